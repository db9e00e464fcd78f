# Build helpers. The DEPS list of each amaima_library call *is* the architecture:
# a layer can only include the headers of the layers it links.

set(AMAIMA_WARNINGS
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough -Wsuggest-override
  # GCC 12 reports Asio coroutine frames as mismatched new/delete at -O1 (gcc PR 109224).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>)

function(amaima_apply_warnings target)
  target_compile_options(${target} PRIVATE ${AMAIMA_WARNINGS})
  if(AMAIMA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# amaima_library(<layer> SOURCES ... DEPS ... [PUBLIC_DEPS_EXTERNAL ...])
# Creates amaima_<layer> with alias amaima::<layer>. <layer> may contain '_'
# for sub-libraries (e.g. storage_sqlite -> amaima::storage_sqlite).
function(amaima_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;EXTERNAL" ${ARGN})
  set(target amaima_${name})
  add_library(${target} STATIC ${ARG_SOURCES})
  add_library(amaima::${name} ALIAS ${target})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC ${ARG_DEPS} ${ARG_EXTERNAL})
  amaima_apply_warnings(${target})
  # Every header must compile on its own (Seastar's checkheaders).
  file(GLOB headers RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} CONFIGURE_DEPENDS
       ${CMAKE_CURRENT_SOURCE_DIR}/*.h)
  if(headers AND AMAIMA_CHECK_HEADERS)
    set(check_sources "")
    foreach(h ${headers})
      string(MAKE_C_IDENTIFIER "${name}_${h}" id)
      set(src "${CMAKE_CURRENT_BINARY_DIR}/headercheck/${id}.cc")
      file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR}/src ${CMAKE_CURRENT_SOURCE_DIR}/${h})
      file(CONFIGURE OUTPUT ${src} CONTENT "#include \"${rel}\"\n")
      list(APPEND check_sources ${src})
    endforeach()
    add_library(${target}_headercheck OBJECT ${check_sources})
    target_link_libraries(${target}_headercheck PRIVATE ${target})
    amaima_apply_warnings(${target}_headercheck)
  endif()
endfunction()

# amaima_test(<name> SOURCES ... DEPS ...)
function(amaima_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT AMAIMA_BUILD_TESTS)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE AMAIMA_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                                             AMAIMA_BINARY_PATH="${CMAKE_BINARY_DIR}/amaima")
  amaima_apply_warnings(${name})
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES ENVIRONMENT "AMAIMA_SOURCE_DIR=${PROJECT_SOURCE_DIR};AMAIMA_BINARY=${CMAKE_BINARY_DIR}/amaima"
    DISCOVERY_TIMEOUT 60)
endfunction()

# amaima_benchmark(<name> SOURCES ... DEPS ...)
function(amaima_benchmark name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT AMAIMA_BUILD_BENCHMARKS)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark benchmark::benchmark_main)
  amaima_apply_warnings(${name})
endfunction()
