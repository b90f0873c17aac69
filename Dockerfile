# An image in which every tcplab lab runs and grades (docs/instructor-guide.md, "Containers").
#
#   docker build -t tcplab .
#   docker run --rm -it --cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_PTRACE \
#       --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
#       --security-opt systempaths=unconfined tcplab
#
# The labs make network namespaces, veth pairs and packet captures, trace the programs with
# ptrace and mount a private /proc for each: Docker's defaults forbid all four, hence the
# options (or --privileged). 'tcplab doctor' inside says what is still missing.
FROM debian:bookworm

# make, a compiler and pkg-config; the Makefile's deps step (mk/deps.sh) installs the rest
# with apt-get, as on any Debian machine.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        make gcc libc6-dev pkg-config ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY . /tcplab
WORKDIR /tcplab
RUN apt-get update && make -j"$(nproc)" all && rm -rf /var/lib/apt/lists/* \
 && rm -rf build/tests

# On a terminal the lab menu; 'docker run ... tcplab run 1' or 'grade N --src DIR' otherwise.
ENTRYPOINT ["/tcplab/build/tcplab"]
