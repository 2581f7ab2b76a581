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
