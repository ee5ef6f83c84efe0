# Shared CMake helpers for kam targets.
include(GoogleTest)

# Warnings every kam target compiles with; errors when KAM_WERROR is on.
function(kam_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(KAM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# kam_enable_sanitizer(<kind>) compiles and links everything defined after
# it (kam code, generated protos, tests) with a sanitizer: "thread" for
# ThreadSanitizer, "address" for AddressSanitizer + UndefinedBehaviorSanitizer,
# "" for none. Debian's gRPC, protobuf and RocksDB stay uninstrumented; see
# tools/sanitize.sh for the runtime options and tools/tsan.supp.
function(kam_enable_sanitizer kind)
  if(kind STREQUAL "")
    return()
  elseif(kind STREQUAL "thread")
    set(flags -fsanitize=thread)
  elseif(kind STREQUAL "address")
    set(flags -fsanitize=address,undefined -fno-sanitize-recover=undefined)
  else()
    message(FATAL_ERROR "KAM_SANITIZE must be empty, thread or address, not \"${kind}\"")
  endif()
  # -O1 -g after the build type's -O keeps stacks readable and runs at a
  # usable speed; frame pointers make the sanitizers' unwinding cheap.
  add_compile_options(${flags} -fno-omit-frame-pointer -O1 -g)
  add_link_options(${flags})
  if(kind STREQUAL "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC warns that TSan does not model atomic_thread_fence, which Abseil's
    # flag reads use (absl/flags/internal/sequence_lock.h): not kam code.
    add_compile_options(-Wno-tsan)
  endif()
  if(kind STREQUAL "thread")
    # Debian's Abseil is not built with TSan: without this interposer every
    # field guarded by an absl::Mutex would be reported as a race. Linked
    # first into every executable defined after this call, so it comes
    # before Abseil in symbol lookup (see tools/tsan_absl_sync.cc).
    add_library(kam_tsan_absl_sync SHARED
      "${PROJECT_SOURCE_DIR}/tools/tsan_absl_sync.cc")
    kam_target_warnings(kam_tsan_absl_sync)
    target_link_libraries(kam_tsan_absl_sync PRIVATE ${CMAKE_DL_LIBS})
    link_libraries(kam_tsan_absl_sync)
  endif()
  message(STATUS "kam: sanitizer ${kind} (${flags})")
endfunction()

# kam_proto_library(NAME <target> ALIAS <kam::alias> PROTOS <files...>
#                   [GRPC] [DEPS <targets...>])
# Generates C++ (and, with GRPC, gRPC service stubs) from .proto files under
# proto/ and wraps them in a static library. Include paths follow the proto
# import paths, e.g. #include "kam/registry/v1/registry.pb.h".
function(kam_proto_library)
  cmake_parse_arguments(ARG "GRPC" "NAME;ALIAS" "PROTOS;DEPS" ${ARGN})
  set(proto_root "${PROJECT_SOURCE_DIR}/proto")
  set(out_dir "${PROJECT_BINARY_DIR}/gen")
  file(MAKE_DIRECTORY "${out_dir}")
  set(srcs)
  foreach(proto ${ARG_PROTOS})
    get_filename_component(abs "${proto}" ABSOLUTE)
    file(RELATIVE_PATH rel "${proto_root}" "${abs}")
    string(REGEX REPLACE "\\.proto$" "" stem "${rel}")
    set(outs "${out_dir}/${stem}.pb.cc" "${out_dir}/${stem}.pb.h")
    set(plugin_args)
    if(ARG_GRPC)
      list(APPEND outs "${out_dir}/${stem}.grpc.pb.cc" "${out_dir}/${stem}.grpc.pb.h")
      set(plugin_args --grpc_out=${out_dir} --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN})
    endif()
    add_custom_command(
      OUTPUT ${outs}
      COMMAND protobuf::protoc --cpp_out=${out_dir} ${plugin_args}
              -I ${proto_root} ${abs}
      DEPENDS ${abs} protobuf::protoc
      COMMENT "protoc ${rel}"
      VERBATIM)
    list(APPEND srcs ${outs})
  endforeach()
  add_library(${ARG_NAME} STATIC ${srcs})
  add_library(${ARG_ALIAS} ALIAS ${ARG_NAME})
  target_include_directories(${ARG_NAME} PUBLIC "${out_dir}")
  target_link_libraries(${ARG_NAME} PUBLIC protobuf::libprotobuf ${ARG_DEPS})
  if(ARG_GRPC)
    target_link_libraries(${ARG_NAME} PUBLIC gRPC::grpc++)
  endif()
endfunction()

# kam_cc_test(NAME <name> SRCS <files...> DEPS <targets...>
#             [LABELS <labels...>] [TIMEOUT <seconds>])
# One GoogleTest binary registered with CTest, each case as its own CTest
# test named <binary>.<Suite>.<Case>, so `ctest -R <binary>` selects a binary
# and failures name the case.
function(kam_cc_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS;DEFINITIONS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  kam_target_warnings(${ARG_NAME})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  if(ARG_DEFINITIONS)
    target_compile_definitions(${ARG_NAME} PRIVATE ${ARG_DEFINITIONS})
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  gtest_discover_tests(${ARG_NAME}
    TEST_PREFIX "${ARG_NAME}."
    PROPERTIES TIMEOUT ${ARG_TIMEOUT}
    DISCOVERY_TIMEOUT 30)
  # Labels are a list, which gtest_discover_tests' PROPERTIES cannot carry
  # (only the first survives). Set them on the discovered tests instead, from
  # a file ctest includes after discovery.
  if(ARG_LABELS)
    set(labels_file "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}_labels.cmake")
    file(WRITE "${labels_file}"
      "if(DEFINED ${ARG_NAME}_TESTS)\n"
      "  set_tests_properties(\${${ARG_NAME}_TESTS} PROPERTIES LABELS \"${ARG_LABELS}\")\n"
      "endif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${labels_file}")
  endif()
endfunction()
