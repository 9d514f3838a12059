# TC_SANITIZE: "" (none), "address,undefined" (debug preset) or "thread" (tsan preset).
set(TC_SANITIZE "" CACHE STRING "Sanitizers to build with (comma separated)")
if(TC_SANITIZE)
  add_compile_options(-fsanitize=${TC_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${TC_SANITIZE})
endif()
