# The local stand-in for eclipse-temurin:17-jre (which cannot be pulled here): a Debian bookworm root made by
# e2e/images/build-base with mmdebstrap, holding Debian's OpenJDK 17 JRE (headless). The build context is that
# root as one tar; ADD unpacks it keeping its owners and modes.
FROM scratch
ADD rootfs.tar /
ARG JAVA_HOME
# What the public base sets too: JAVA_HOME, and a UTF-8 locale (glibc's built-in C.UTF-8; Debian ships no
# en_US.UTF-8 without the locales package).
ENV JAVA_HOME=${JAVA_HOME} LANG=C.UTF-8
