# Every target of ours is built with -Wall -Wextra -Werror (see tc_helpers.cmake).
set(TC_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)
