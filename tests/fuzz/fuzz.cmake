# Fuzzing and corruption tests. Included from tests/CMakeLists.txt after
# unit/unit.cmake (which defines goheap_testutil, goheap_unit_test() and
# GOHEAP_REAL_DUMPS).
#
#   fuzz_replay       the harness (fuzz_dump.c) over tests/fuzz/corpus and
#                     tests/corrupt, through the standalone driver: any
#                     compiler, sanitizers when GOHEAP_SANITIZE is on
#   corrupt_hex       tests/corrupt/*.hex, each with its expected diagnostic
#   corrupt_<dump>    truncations, byte flips and absurd lengths of each
#                     real dump (corrupt_test.c)
#   fuzz_dump         (target only) the libFuzzer binary, with
#                     GOHEAP_BUILD_FUZZERS on clang
set(GOHEAP_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
set(GOHEAP_CORRUPT_DIR ${CMAKE_CURRENT_LIST_DIR}/../corrupt)

add_library(goheap_fuzzutil STATIC
  ${GOHEAP_FUZZ_DIR}/touch.c
  ${GOHEAP_FUZZ_DIR}/hexfile.c)
target_include_directories(goheap_fuzzutil PUBLIC ${GOHEAP_FUZZ_DIR})
target_compile_options(goheap_fuzzutil PRIVATE ${GOHEAP_WARNINGS})
target_link_libraries(goheap_fuzzutil PUBLIC goheap_lib)

# The harness with a main() that replays files and directories.
add_executable(fuzz_dump_replay ${GOHEAP_FUZZ_DIR}/fuzz_dump.c ${GOHEAP_FUZZ_DIR}/standalone.c)
target_compile_options(fuzz_dump_replay PRIVATE ${GOHEAP_WARNINGS})
target_link_libraries(fuzz_dump_replay PRIVATE goheap_fuzzutil goheap_lib)
add_test(NAME fuzz_replay
  COMMAND fuzz_dump_replay ${GOHEAP_FUZZ_DIR}/corpus ${GOHEAP_CORRUPT_DIR})
set_tests_properties(fuzz_replay PROPERTIES LABELS fuzz-replay)

goheap_unit_test(replay_corrupt ${GOHEAP_FUZZ_DIR}/replay_corrupt.c)
target_link_libraries(replay_corrupt PRIVATE goheap_fuzzutil)
add_test(NAME corrupt_hex COMMAND replay_corrupt ${GOHEAP_CORRUPT_DIR})
set_tests_properties(corrupt_hex PROPERTIES LABELS corrupt)

goheap_unit_test(corrupt_test ${GOHEAP_FUZZ_DIR}/corrupt_test.c)
target_link_libraries(corrupt_test PRIVATE goheap_fuzzutil)
foreach(dump ${GOHEAP_REAL_DUMPS})
  get_filename_component(dump_name ${dump} NAME)
  string(REGEX REPLACE "\\.dump\\.gz$" "" dump_name ${dump_name})
  add_test(NAME corrupt_${dump_name} COMMAND corrupt_test ${dump})
  set_tests_properties(corrupt_${dump_name} PROPERTIES LABELS "corrupt;real-dump")
endforeach()

# Writes seed inputs from real dumps and .hex files (see README.md); a
# tool, not a test.
goheap_unit_test(fuzz_make_seeds ${GOHEAP_FUZZ_DIR}/make_seeds.c)
target_link_libraries(fuzz_make_seeds PRIVATE goheap_fuzzutil)

# The libFuzzer binary. It is built with its own flags (fuzzer + ASan +
# UBSan), so it compiles the library sources itself rather than linking
# goheap_lib, which may have been built without instrumentation.
if(GOHEAP_BUILD_FUZZERS)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    get_target_property(lib_sources goheap_lib SOURCES)
    get_target_property(lib_dir goheap_lib SOURCE_DIR)
    set(fuzz_lib_sources)
    foreach(src ${lib_sources})
      if(NOT IS_ABSOLUTE ${src})
        set(src ${lib_dir}/${src})
      endif()
      list(APPEND fuzz_lib_sources ${src})
    endforeach()
    set(fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    add_executable(fuzz_dump
      ${GOHEAP_FUZZ_DIR}/fuzz_dump.c ${GOHEAP_FUZZ_DIR}/touch.c ${fuzz_lib_sources})
    # The library's own include directories and dependencies.
    target_include_directories(fuzz_dump PRIVATE ${GOHEAP_FUZZ_DIR}
      $<TARGET_PROPERTY:goheap_lib,INCLUDE_DIRECTORIES>)
    target_compile_definitions(fuzz_dump PRIVATE $<TARGET_PROPERTY:goheap_lib,COMPILE_DEFINITIONS>)
    target_compile_options(fuzz_dump PRIVATE ${GOHEAP_WARNINGS} ${fuzz_flags})
    target_link_options(fuzz_dump PRIVATE ${fuzz_flags})
    target_link_libraries(fuzz_dump PRIVATE $<TARGET_PROPERTY:goheap_lib,LINK_LIBRARIES>)
  else()
    message(WARNING "GOHEAP_BUILD_FUZZERS needs clang (libFuzzer); only the replay driver is built")
  endif()
endif()

# A longer run of the same, on one dump (ctest -L slow).
list(LENGTH GOHEAP_REAL_DUMPS ndumps)
if(ndumps GREATER 0)
  list(GET GOHEAP_REAL_DUMPS -1 slow_dump)
  add_test(NAME corrupt_slow
    COMMAND corrupt_test --cuts 10000 --flips 10000 --boundaries 3000 --seed 7 ${slow_dump})
  set_tests_properties(corrupt_slow PROPERTIES LABELS "slow;real-dump")
endif()
