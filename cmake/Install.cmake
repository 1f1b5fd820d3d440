# cmake --install: the runtime, its headers, the IDL, the plugin and the
# package config that find_package(meshup) loads.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(MESHUP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/meshup)

# The runtime's layer libraries are installed beside it, since a static
# meshup_runtime needs them at link time; their headers stay private.
install(TARGETS meshup_runtime meshup_options protoc-gen-meshup
                meshup_config meshup_discovery meshup_http meshup_loop meshup_security
                meshup_telemetry meshup_util
  EXPORT meshupTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS meshup_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/meshup DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/idl/gen/meshup/options.pb.h
              ${PROJECT_SOURCE_DIR}/idl/meshup/options.proto
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/meshup)
install(EXPORT meshupTargets NAMESPACE meshup:: DESTINATION ${MESHUP_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/meshupConfig.cmake.in
  ${PROJECT_BINARY_DIR}/meshupConfig.cmake
  INSTALL_DESTINATION ${MESHUP_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/meshupConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/meshupConfig.cmake
              ${PROJECT_BINARY_DIR}/meshupConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/MeshupGenerate.cmake
              ${PROJECT_SOURCE_DIR}/cmake/FindHttpParser.cmake
        DESTINATION ${MESHUP_CMAKE_DIR})
