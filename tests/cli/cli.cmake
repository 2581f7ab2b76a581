# Tests of the goheap command against the real dumps in dumps/, checked
# against what the Go programs that wrote them recorded (dumps/MANIFEST).
add_executable(facts_probe ${CMAKE_CURRENT_LIST_DIR}/facts_probe.c)
target_link_libraries(facts_probe PRIVATE goheap_lib)
target_compile_options(facts_probe PRIVATE ${GOHEAP_WARNINGS})

set(GOHEAP_CLI_ENV
  GOHEAP=$<TARGET_FILE:goheap> FACTS_PROBE=$<TARGET_FILE:facts_probe>
  DUMPS=${GOHEAP_DUMPS_DIR} SRC=${PROJECT_SOURCE_DIR})

file(STRINGS ${GOHEAP_DUMPS_DIR}/MANIFEST manifest_lines)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${GOHEAP_DUMPS_DIR}/MANIFEST)
foreach(line IN LISTS manifest_lines)
  string(REGEX MATCH "\"dump\": *\"([^\"]+)\"" _ "${line}")
  set(dump ${CMAKE_MATCH_1})
  if(dump)
    string(REPLACE ".dump.gz" "" name ${dump})
    add_test(NAME facts:${name}
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_facts.py ${dump})
    set_tests_properties(facts:${name} PROPERTIES ENVIRONMENT "${GOHEAP_CLI_ENV}" LABELS golden)
    add_test(NAME typing:${name}
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_typing.py ${dump})
    set_tests_properties(typing:${name} PROPERTIES ENVIRONMENT "${GOHEAP_CLI_ENV}" LABELS golden)
    add_test(NAME top:${name}
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_top.py ${dump})
    set_tests_properties(top:${name} PROPERTIES ENVIRONMENT "${GOHEAP_CLI_ENV}" LABELS golden)
    # retained sizes against the program's own HeapAlloc drops (leaky's main dumps)
    string(FIND "${line}" "\"oracle\":" oracle_pos)
    if(oracle_pos GREATER -1)
      add_test(NAME oracle:${name}
        COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_oracle.py ${dump})
      set_tests_properties(oracle:${name} PROPERTIES ENVIRONMENT "${GOHEAP_CLI_ENV}" LABELS golden)
    endif()
    add_test(NAME reports:${name}
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_reports.py ${dump})
    set_tests_properties(reports:${name} PROPERTIES ENVIRONMENT "${GOHEAP_CLI_ENV}" LABELS golden)
    add_test(NAME diff:self:${name}
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_diff.py self ${dump})
    set_tests_properties(diff:self:${name} PROPERTIES ENVIRONMENT "${GOHEAP_CLI_ENV}" LABELS golden)
    # pprof export read back by go tool pprof (skipped without a Go toolchain)
    add_test(NAME pprof:${name}
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_pprof.py ${dump})
    set_tests_properties(pprof:${name} PROPERTIES ENVIRONMENT "${GOHEAP_CLI_ENV}" LABELS golden
      SKIP_RETURN_CODE 77)
  endif()
endforeach()

# diff across Go releases, and the leaky program's two dumps of one run
# (skipped while dumps/ has none).
foreach(t versions leaky)
  add_test(NAME diff:${t} COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_diff.py ${t})
  set_tests_properties(diff:${t} PROPERTIES ENVIRONMENT "${GOHEAP_CLI_ENV}" LABELS golden SKIP_RETURN_CODE 77)
endforeach()

foreach(t errors docs)
  add_test(NAME cli:${t} COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_${t}.py)
  set_tests_properties(cli:${t} PROPERTIES ENVIRONMENT "${GOHEAP_CLI_ENV}" LABELS cli)
endforeach()

# goheap hprof, read back by the VisualVM heap library (tools/setup.sh puts
# the jar under the build directory): counts, sizes, GC roots and retained
# sizes against goheap's own, for every dump. The harness is compiled once.
set(GOHEAP_HPROF_ENV ${GOHEAP_CLI_ENV} HPROF_WORK=${CMAKE_CURRENT_BINARY_DIR}/hprof
  VISUALVM_DIR=${CMAKE_BINARY_DIR}/visualvm)
add_test(NAME hprof:compile
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_hprof.py --compile)
set_tests_properties(hprof:compile PROPERTIES ENVIRONMENT "${GOHEAP_HPROF_ENV}" LABELS cli
  FIXTURES_SETUP hprof_harness)
foreach(line IN LISTS manifest_lines)
  string(REGEX MATCH "\"dump\": *\"([^\"]+)\"" _ "${line}")
  set(dump ${CMAKE_MATCH_1})
  if(dump)
    string(REPLACE ".dump.gz" "" name ${dump})
    add_test(NAME hprof:${name}
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_hprof.py ${dump})
    set_tests_properties(hprof:${name} PROPERTIES ENVIRONMENT "${GOHEAP_HPROF_ENV}" LABELS golden
      FIXTURES_REQUIRED hprof_harness)
  endif()
endforeach()
add_test(NAME hprof:errors COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_hprof.py errors)
set_tests_properties(hprof:errors PROPERTIES ENVIRONMENT "${GOHEAP_HPROF_ENV}" LABELS cli)

# goheap dot: every dump's pictures read back by the real Graphviz (dot,
# gvpr) and checked against goheap top and the recorded known objects;
# label escaping through the library's writer (dot_probe); usage and
# output errors.
add_executable(dot_probe ${CMAKE_CURRENT_LIST_DIR}/dot_probe.c)
target_link_libraries(dot_probe PRIVATE goheap_lib)
target_compile_options(dot_probe PRIVATE ${GOHEAP_WARNINGS})
set(GOHEAP_DOT_ENV ${GOHEAP_CLI_ENV} DOT_PROBE=$<TARGET_FILE:dot_probe>
  LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/lsan-graphviz.supp:print_suppressions=0)
foreach(line IN LISTS manifest_lines)
  string(REGEX MATCH "\"dump\": *\"([^\"]+)\"" _ "${line}")
  set(dump ${CMAKE_MATCH_1})
  if(dump)
    string(REPLACE ".dump.gz" "" name ${dump})
    add_test(NAME dot:${name} COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_dot.py ${dump})
    set_tests_properties(dot:${name} PROPERTIES ENVIRONMENT "${GOHEAP_DOT_ENV}" LABELS golden)
  endif()
endforeach()
foreach(t escape errors)
  add_test(NAME dot:${t} COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_dot.py ${t})
  set_tests_properties(dot:${t} PROPERTIES ENVIRONMENT "${GOHEAP_DOT_ENV}" LABELS cli)
endforeach()
