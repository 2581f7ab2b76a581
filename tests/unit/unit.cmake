# Unit tests of the library's modules. Included from tests/CMakeLists.txt,
# which sets GOHEAP_DUMPS_DIR. Every test is a plain C program using
# tests/unit/check.h; ctest runs it and a non-zero exit is a failure.
set(GOHEAP_UNIT_DIR ${CMAKE_CURRENT_LIST_DIR})

# Helpers shared by the unit tests and by tests/fuzz: file reading, a
# seeded RNG, and the independent record walker.
add_library(goheap_testutil STATIC
  ${GOHEAP_UNIT_DIR}/testutil.c
  ${GOHEAP_UNIT_DIR}/walker.c)
target_include_directories(goheap_testutil PUBLIC ${GOHEAP_UNIT_DIR})
target_compile_options(goheap_testutil PRIVATE ${GOHEAP_WARNINGS})
target_link_libraries(goheap_testutil PUBLIC ZLIB::ZLIB goheap_lib)

# goheap_unit_test(name source...) - a test program that may include the
# library's private headers ("util/cursor.h", "formats/godump/...").
function(goheap_unit_test name)
  add_executable(${name} ${ARGN})
  target_include_directories(${name} PRIVATE
    ${GOHEAP_UNIT_DIR} ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${GOHEAP_WARNINGS})
  target_link_libraries(${name} PRIVATE goheap_testutil goheap_lib)
endfunction()

# The real dumps, found at configure time (re-globbed when dumps/ changes).
file(GLOB GOHEAP_REAL_DUMPS CONFIGURE_DEPENDS ${GOHEAP_DUMPS_DIR}/*.dump.gz)
list(SORT GOHEAP_REAL_DUMPS)
if(NOT GOHEAP_REAL_DUMPS)
  message(STATUS "goheap tests: no *.dump.gz in ${GOHEAP_DUMPS_DIR}; real-dump tests skipped")
endif()

goheap_unit_test(test_cursor ${GOHEAP_UNIT_DIR}/test_cursor.c)
add_test(NAME unit_cursor COMMAND test_cursor)
# vec_reserve is asked for impossible sizes on purpose: under ASan a failed
# huge allocation must return NULL, as it does without ASan.
set_tests_properties(unit_cursor PROPERTIES ENVIRONMENT ASAN_OPTIONS=allocator_may_return_null=1)

goheap_unit_test(test_sort ${GOHEAP_UNIT_DIR}/test_sort.c)
add_test(NAME unit_sort COMMAND test_sort)

goheap_unit_test(test_dump ${GOHEAP_UNIT_DIR}/test_dump.c)
add_test(NAME unit_dump_errors COMMAND test_dump)
foreach(dump ${GOHEAP_REAL_DUMPS})
  get_filename_component(dump_name ${dump} NAME)
  string(REGEX REPLACE "\\.dump\\.gz$" "" dump_name ${dump_name})
  add_test(NAME unit_dump_${dump_name} COMMAND test_dump ${dump})
  set_tests_properties(unit_dump_${dump_name} PROPERTIES LABELS "unit;real-dump")
endforeach()

set_tests_properties(unit_cursor unit_sort unit_dump_errors PROPERTIES LABELS unit)

# The DWARF and ELF-symbol reader (src/binary): error paths, then each
# committed Go binary with the dump it wrote.
goheap_unit_test(test_binary ${GOHEAP_UNIT_DIR}/test_binary.c)
add_test(NAME unit_binary_errors COMMAND test_binary)
set_tests_properties(unit_binary_errors PROPERTIES LABELS unit)
foreach(dump ${GOHEAP_REAL_DUMPS})
  get_filename_component(dump_name ${dump} NAME)
  string(REGEX REPLACE "\\.dump\\.gz$" "" dump_name ${dump_name})
  set(bin ${GOHEAP_DUMPS_DIR}/${dump_name}.bin)
  # test_binary checks the shapes program's own types and globals.
  if(EXISTS ${bin} AND dump_name MATCHES "^shapes-")
    add_test(NAME unit_binary_${dump_name} COMMAND test_binary ${dump} ${bin})
    set_tests_properties(unit_binary_${dump_name} PROPERTIES LABELS "unit;real-dump")
  endif()
endforeach()

# Dominators and retained sizes (src/analysis): against a naive bitset
# fixpoint and Cooper-Harvey-Kennedy on random graphs, deep chains, then
# each real dump's graph (with and without its binary).
goheap_unit_test(test_dom ${GOHEAP_UNIT_DIR}/test_dom.c)
add_test(NAME unit_dom COMMAND test_dom)
set_tests_properties(unit_dom PROPERTIES LABELS unit)
foreach(dump ${GOHEAP_REAL_DUMPS})
  get_filename_component(dump_name ${dump} NAME)
  string(REGEX REPLACE "\\.dump\\.gz$" "" dump_name ${dump_name})
  # An -early dump shares the binary of the later dump of its run.
  string(REGEX REPLACE "-early$" "" bin_name ${dump_name})
  set(bin ${GOHEAP_DUMPS_DIR}/${bin_name}.bin)
  if(EXISTS ${bin})
    add_test(NAME unit_dom_${dump_name} COMMAND test_dom ${dump} ${bin})
  else()
    add_test(NAME unit_dom_${dump_name} COMMAND test_dom ${dump})
  endif()
  set_tests_properties(unit_dom_${dump_name} PROPERTIES LABELS "unit;real-dump")
endforeach()

# All-or-nothing output files (src/util/outfile.c), the writers' base.
goheap_unit_test(test_outfile ${GOHEAP_UNIT_DIR}/test_outfile.c)
add_test(NAME unit_outfile COMMAND test_outfile)
set_tests_properties(unit_outfile PROPERTIES LABELS unit)

# The streaming profile.proto writer of goheap pprof (formats/pprof/proto.c),
# read back by a wire-format decoder of its own.
goheap_unit_test(test_pprof_proto ${GOHEAP_UNIT_DIR}/test_pprof_proto.c)
add_test(NAME unit_pprof_proto COMMAND test_pprof_proto)
set_tests_properties(unit_pprof_proto PROPERTIES LABELS unit)

# The CLI's JSON string escaping (src/cli/json.c is compiled in).
goheap_unit_test(test_json ${GOHEAP_UNIT_DIR}/test_json.c ${PROJECT_SOURCE_DIR}/src/cli/json.c)
add_test(NAME unit_json COMMAND test_json)
set_tests_properties(unit_json PROPERTIES LABELS unit)
