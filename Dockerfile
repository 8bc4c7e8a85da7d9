# Carbon in a container. Build and run: docs/docker.md.
#   docker build -t carbon:latest .
#   docker run --rm -p 8080:8080 --read-only --tmpfs /tmp:exec,mode=1777 carbon:latest

# --- build stage: the shaded jar, target/carbon.jar (pom.xml <finalName>carbon</finalName>) ---------------
FROM docker.io/library/maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Dependencies first, in a layer of their own: editing the sources does not download them again.
COPY pom.xml ./
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -DskipTests package

# --- run stage -----------------------------------------------------------------------------------------
FROM docker.io/library/eclipse-temurin:17-jre
# A fixed uid/gid, so the owner of the mounted ssl/ and log/ directories can be set on the host
# (chown 10001:10001 ssl log). No login shell, no home directory to write to.
RUN groupadd --system --gid 10001 carbon \
 && useradd --system --uid 10001 --gid carbon --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin carbon \
 && mkdir -p /app/www /app/ssl /app/log \
 && chown carbon:carbon /app/ssl /app/log
WORKDIR /app
# Owned by root and read-only to carbon: the server cannot change its own program, config or site.
COPY --from=build /src/target/carbon.jar /app/carbon.jar
COPY server.conf /app/server.conf
COPY www/ /app/www/

# Relative paths in server.conf resolve against WORKDIR: www_path = www -> /app/www, log_file and
# access_log under /app/log, ssl_cert_path and ssl_key_path under /app/ssl (a self-signed pair is written
# there when neither file exists and use_https is on). Only these, and /tmp, are written: Netty (epoll,
# BoringSSL), Brotli and zstd unpack their native libraries to /tmp and load them from there, so a tmpfs
# on /tmp must be mounted with exec (Docker's default is noexec).
# server_name is the bind address; the shipped server.conf says 127.0.0.1, which nothing outside the
# container could reach.
ENV SERVER_NAME=0.0.0.0
# The same JVM flags as carbon.service's ExecStart, but for where the class-data archive is (DockerImageTest keeps
# them equal); why: docs/docker.md. glibc keeps 2 malloc arenas instead of 8 per core, as in the unit.
ENV JAVA_OPTS="-XX:+UseSerialGC -Xms16m -Xmx512m -XX:MinHeapFreeRatio=20 -XX:MaxHeapFreeRatio=40 -XX:MaxDirectMemorySize=1g -XX:ReservedCodeCacheSize=48m -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=2000 -XX:SharedArchiveFile=/app/carbon.jsa" \
    MALLOC_ARENA_MAX=2
# The class-data archive (AppCDS) of this jar on this JVM: the JVM maps it at start instead of loading Carbon's
# classes one by one out of the jar, about a third less time to the first response. --cds-training starts
# Carbon on free loopback ports, answers a few requests and stops; the JVM writes what it loaded.
RUN java -XX:ArchiveClassesAtExit=/app/carbon.jsa -Xlog:cds=error -jar /app/carbon.jar --cds-training >/dev/null \
 && chmod 0444 /app/carbon.jsa

VOLUME ["/app/www", "/app/ssl", "/app/log"]
# HTTP, HTTPS, HTTP/3 (UDP, on the HTTPS port's number when enable_http3 is on), admin.
EXPOSE 8080 8443 8443/udp 9180

USER carbon:carbon

# The admin listener (admin_port, on admin_address 127.0.0.1) answers GET /healthz with 200 while the
# process is alive. bash's /dev/tcp needs no curl or wget in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${CARBON_ADMIN_PORT:-9180} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && IFS= read -r -t 2 status <&3 && [[ $status == 'HTTP/1.'[01]' 200 '* ]]"]

# Carbon drains on SIGTERM (up to shutdown_timeout, 10 s by default) and exits 0; SIGHUP reopens the logs
# and reloads the certificate. `exec` replaces the shell, so java is PID 1 and gets the signals itself.
STOPSIGNAL SIGTERM
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/carbon.jar \"$@\"", "carbon"]
CMD ["--config", "/app/server.conf"]
