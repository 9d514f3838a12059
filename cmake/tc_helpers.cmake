# tc_library(NAME name SRCS ... DEPS ...): a static library of ours, with our warnings, that
# exposes src/ as its include root. Dependencies are explicit: a module may only depend on the
# modules below it in DESIGN.md's data-flow list.
function(tc_library)
  cmake_parse_arguments(TC "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(${TC_NAME} STATIC ${TC_SRCS})
  target_include_directories(${TC_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${TC_NAME} PRIVATE ${TC_WARNINGS})
  target_link_libraries(${TC_NAME} PUBLIC ${TC_DEPS})
endfunction()

# tc_test(NAME name SRCS ... DEPS ... [LABELS ...]): a GoogleTest binary registered with CTest.
function(tc_test)
  cmake_parse_arguments(TC "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${TC_NAME} ${TC_SRCS})
  target_compile_options(${TC_NAME} PRIVATE ${TC_WARNINGS})
  target_link_libraries(${TC_NAME} PRIVATE ${TC_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${TC_NAME} PRIVATE
    TC_FIXTURES_DIR="${TC_FIXTURES}" TC_NODE_MODULES_DIR="${TC_NODE_MODULES}"
    TC_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  if(NOT TC_TIMEOUT)
    set(TC_TIMEOUT 300)
  endif()
  gtest_discover_tests(${TC_NAME} DISCOVERY_MODE PRE_TEST
    PROPERTIES TIMEOUT ${TC_TIMEOUT} LABELS "${TC_LABELS}")
endfunction()
