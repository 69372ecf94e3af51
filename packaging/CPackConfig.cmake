# Debian package of the binary (`cpack -G DEB` in the build directory).
set(CPACK_PACKAGE_NAME ctrdbg)
set(CPACK_PACKAGE_CONTACT "ctrdbg developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Enter a running container with a shell and tools, daemonless")
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libfmt9")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "busybox-static")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
include(CPack)
