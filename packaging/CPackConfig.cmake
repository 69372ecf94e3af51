# The Debian package: `cpack -G DEB` in the build directory (or `cmake --build . --target
# package`) makes ctrdbg_<version>_<arch>.deb from the install rules of
# packaging/install.cmake, which must be included before this file.
#
# The binary is linked fully statically, so the package depends on nothing; busybox-static
# is the toolset ctrdbg brings into containers when no other is configured.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ctrdbg)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR ctrdbg)
set(CPACK_PACKAGE_CONTACT "ctrdbg developers <maintainers@users.noreply.r-seed-81ba2902.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Enter a running container with a shell and tools, daemonless")
set(CPACK_PACKAGE_DESCRIPTION
    "ctrdbg opens a shell, or runs one command, inside a running container that has no
shell and no tools (distroless, FROM scratch, slim images), the way nsenter would:
it asks the engine for the container's PID once (and reads the engines' on-disk
state when the daemon is hung or gone), joins the container's namespaces with
setns, and brings a static busybox along in a private mount namespace.
Docker, rootful podman, containerd and Kubernetes (CRI) containers are supported.
Also included: bash and zsh completion, a Docker CLI plugin (docker ctrdbg), and
example systemd units for periodic diagnostic snapshots of a container.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # ctrdbg_0.2.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Static binary: no shared-library dependencies to compute, none to declare.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "busybox-static")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-static, docker.io | podman | containerd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

# `cpack --config CPackSourceConfig.cmake`: the tree without build directories or git.
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/" "/\\\\.cache/")

include(CPack)
