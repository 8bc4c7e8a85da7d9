package io.carbon.cli;

import io.carbon.config.ConfigLoader;
import io.carbon.config.ServerConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The container image as the Dockerfile describes it: its environment applied to the shipped server.conf the
 * way Carbon reads it in the container, its command line against carbon.service's (so the JVM flags of the
 * two cannot drift apart), and its HEALTHCHECK run with bash against a local socket. Reads the files at the
 * repository root; builds no image (no container engine is needed).
 */
class DockerImageTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();

    private static Dockerfile dockerfile;

    @BeforeAll
    static void readDockerfile() throws IOException {
        dockerfile = Dockerfile.parse(Files.readString(ROOT.resolve("Dockerfile")));
    }

    @Test
    void theContainerListensOnEveryInterfaceAndWritesOnlyUnderItsVolumes() throws Exception {
        List<String> warnings = new ArrayList<>();
        ServerConfig config = new ConfigLoader(dockerfile.env, warnings::add).load(ROOT.resolve("server.conf"));
        assertThat(warnings).isEmpty();

        assertThat(config.network().serverName()).isEqualTo("0.0.0.0");
        Path workdir = Path.of(dockerfile.workdir);
        assertThat(workdir).isEqualTo(Path.of("/app"));
        assertThat(inContainer(config.files().wwwPath(), workdir)).isEqualTo(Path.of("/app/www"));
        assertThat(inContainer(config.logging().logFile(), workdir)).startsWithRaw(Path.of("/app/log"));
        assertThat(config.logging().accessLog()).isNotNull();
        assertThat(inContainer(config.logging().accessLog(), workdir)).startsWithRaw(Path.of("/app/log"));
        assertThat(inContainer(config.network().sslCertPath(), workdir)).startsWithRaw(Path.of("/app/ssl"));
        assertThat(inContainer(config.network().sslKeyPath(), workdir)).startsWithRaw(Path.of("/app/ssl"));

        assertThat(dockerfile.volumes).containsExactlyInAnyOrder("/app/www", "/app/ssl", "/app/log");
        assertThat(dockerfile.user).isEqualTo("carbon:carbon");
        assertThat(dockerfile.exposed).contains(config.network().port() + "",
                config.network().httpsPort() + "", config.network().httpsPort() + "/udp", "9180");
        assertThat(dockerfile.stopSignal).isEqualTo("SIGTERM");
    }

    @Test
    void theEntrypointRunsTheJarWithCarbonServicesJvmFlags(@TempDir Path dir) throws Exception {
        // What `sh -c "exec java $JAVA_OPTS ..."` really passes to java: a stand-in java prints its arguments.
        Path fakeJava = dir.resolve("java");
        Files.writeString(fakeJava, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> command = new ArrayList<>(dockerfile.entrypoint);
        command.addAll(dockerfile.cmd);
        assertThat(command.get(0)).isEqualTo("sh");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(dockerfile.env);
        builder.environment().put("PATH", dir + ":/usr/bin:/bin");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        List<String> container = output.lines().toList();

        List<String> service = execStart(Files.readString(ROOT.resolve("carbon.service")));
        assertThat(service.get(0)).endsWith("/java");
        List<String> serviceArgs = service.subList(1, service.size());

        int containerJar = container.indexOf("-jar");
        int serviceJar = serviceArgs.indexOf("-jar");
        assertThat(containerJar).as("java arguments %s", container).isPositive();
        // The same flags; only the class-data archive is where each installation can write it.
        assertThat(withoutArchive(container.subList(0, containerJar)))
                .as("JVM flags: Dockerfile JAVA_OPTS against carbon.service")
                .isEqualTo(withoutArchive(serviceArgs.subList(0, serviceJar)));
        assertThat(container).contains("-XX:SharedArchiveFile=/app/carbon.jsa");
        assertThat(serviceArgs).contains("-XX:SharedArchiveFile=/var/cache/carbon/carbon.jsa");
        assertThat(dockerfile.env).containsEntry("MALLOC_ARENA_MAX", "2");
        assertThat(Files.readString(ROOT.resolve("carbon.service"))).contains("\nEnvironment=MALLOC_ARENA_MAX=2\n");
        assertThat(container.get(containerJar + 1)).isEqualTo("/app/carbon.jar");
        // The same program arguments, with the config where each installation keeps it.
        assertThat(container.subList(containerJar + 2, container.size()))
                .containsExactly("--config", "/app/server.conf");
        assertThat(serviceArgs.subList(serviceJar + 2, serviceArgs.size()))
                .containsExactly("--config", "/opt/carbon/server.conf");
        assertThat(dockerfile.copies).contains("/app/carbon.jar", "/app/server.conf", "/app/www/");
    }

    @Test
    void theClassDataArchiveTheJvmMapsIsTheOneTheTrainingWrites() throws Exception {
        // The image writes it once, at build time, from the jar it ships.
        assertThat(dockerfile.runs).anySatisfy(run -> assertThat(run)
                .contains("-XX:ArchiveClassesAtExit=/app/carbon.jsa")
                .contains("-jar /app/carbon.jar --cds-training"));
        // The unit writes it before the start when it is missing or older than the jar or the JVM.
        String unit = Files.readString(ROOT.resolve("carbon.service"));
        assertThat(unit).contains("CacheDirectory=carbon")
                .contains("jsa=/var/cache/carbon/carbon.jsa;")
                .contains("-XX:ArchiveClassesAtExit=\"$$jsa\"")
                .contains("-jar /opt/carbon/carbon.jar --cds-training");
    }

    private static List<String> withoutArchive(List<String> flags) {
        return flags.stream().filter(flag -> !flag.startsWith("-XX:SharedArchiveFile=")).toList();
    }

    @Test
    void theHealthcheckPassesOnA200AndFailsOtherwise() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(Path.of("/usr/bin/bash")),
                "bash is needed to run the HEALTHCHECK");
        List<String> check = dockerfile.healthcheck;
        assertThat(check.get(0)).isEqualTo("bash");
        assertThat(String.join(" ", check)).contains("${CARBON_ADMIN_PORT:-9180}");

        HealthProbe ok = probe(check, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nok");
        assertThat(ok.exitStatus).isZero();
        assertThat(ok.requestLine).isEqualTo("GET /healthz HTTP/1.0");
        assertThat(probe(check, "HTTP/1.0 200 OK\r\n\r\nok").exitStatus).isZero();
        assertThat(probe(check, "HTTP/1.1 503 Service Unavailable\r\n\r\ndraining").exitStatus).isNotZero();
        assertThat(probe(check, "HTTP/1.1 2000 Odd\r\n\r\n").exitStatus).isNotZero();
        assertThat(probe(check, "").exitStatus).isNotZero(); // closed without an answer
        HealthProbe hung = probe(check, null);
        assertThat(hung.exitStatus).isNotZero();
        assertThat(hung.took).isLessThan(Duration.ofSeconds(3)); // Docker's own timeout is --timeout=3s

        // Nothing listening on the admin port.
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        assertThat(run(check, Map.of("CARBON_ADMIN_PORT", closedPort + ""))).isNotZero();
    }

    @Test
    void composeRunsTheImageAsTheDockerfileDescribes() throws IOException {
        Map<String, Object> compose = new Yaml(new SafeConstructor(new LoaderOptions()))
                .load(Files.readString(ROOT.resolve("docker-compose.yml")));
        Map<String, Object> service = map(map(compose.get("services")).get("carbon"));
        assertThat(service.get("image")).isEqualTo("carbon:latest");
        assertThat(service.get("read_only")).isEqualTo(true);
        assertThat(strings(service.get("volumes")))
                .containsExactlyInAnyOrder("./www:/app/www:ro", "./ssl:/app/ssl", "./log:/app/log");
        assertThat(strings(service.get("tmpfs"))).singleElement().asString().startsWith("/tmp:").contains("exec");
        assertThat(strings(service.get("tmpfs")).get(0)).doesNotContain("noexec");
        assertThat(strings(service.get("cap_drop"))).containsExactly("ALL");
        assertThat(strings(service.get("ports"))).contains("8080:8080", "8443:8443", "8443:8443/udp");
        // The admin port is published only together with an admin address other than loopback.
        boolean adminPublished = strings(service.get("ports")).stream().anyMatch(p -> p.endsWith(":9180"));
        Map<String, Object> environment = map(service.get("environment"));
        assertThat(adminPublished).isEqualTo(environment.containsKey("CARBON_ADMIN_ADDRESS"));

        // Compose's healthcheck is the Dockerfile's ("$$" is Compose's escape for "$").
        List<String> test = strings(map(service.get("healthcheck")).get("test"));
        assertThat(test.get(0)).isEqualTo("CMD");
        assertThat(test.subList(1, test.size()).stream().map(s -> s.replace("$$", "$")).toList())
                .isEqualTo(dockerfile.healthcheck);

        // Docker kills the container stop_grace_period after SIGTERM: Carbon's drain must fit in it.
        Duration grace = Duration.ofSeconds(Long.parseLong(
                String.valueOf(service.get("stop_grace_period")).replaceAll("s$", "")));
        assertThat(grace).isGreaterThan(Duration.ofSeconds(10)); // shutdown_timeout's default
    }

    // --- helpers --------------------------------------------------------------------------------------------

    /** A path Carbon resolved against this test's working directory, as it resolves in the container. */
    private static Path inContainer(Path resolved, Path workdir) {
        return resolved.startsWith(ROOT) ? workdir.resolve(ROOT.relativize(resolved)) : resolved;
    }

    private record HealthProbe(int exitStatus, String requestLine, Duration took) {
    }

    /** Runs the healthcheck against a one-shot server on the loopback that answers {@code answer} (null: never). */
    private static HealthProbe probe(List<String> check, String answer) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> requestLine = CompletableFuture.supplyAsync(() -> {
                try (Socket socket = server.accept()) {
                    socket.setSoTimeout(5000);
                    // Like an HTTP server: the whole head first (bash writes it a line at a time).
                    InputStream in = socket.getInputStream();
                    String line = readLine(in);
                    while (!readLine(in).isEmpty()) {
                        // header lines
                    }
                    if (answer == null) { // a hung server: the check must give up on its own (read -t)
                        Thread.sleep(2500);
                        return line;
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write(answer.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    return line;
                } catch (IOException | InterruptedException e) {
                    return "failed: " + e;
                }
            });
            long start = System.nanoTime();
            int status = run(check, Map.of("CARBON_ADMIN_PORT", server.getLocalPort() + ""));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            return new HealthProbe(status, requestLine.get(10, TimeUnit.SECONDS), took);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b == -1) {
                throw new IOException("closed before the end of the request head");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    private static int run(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(env);
        Process process = builder.start();
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).as("healthcheck finished").isTrue();
        return process.exitValue();
    }

    /** The words of carbon.service's ExecStart= (continuation lines joined; systemd's prefixes dropped). */
    static List<String> execStart(String unit) {
        String line = null;
        for (String l : unit.replace("\\\n", " ").lines().toList()) {
            String t = l.strip();
            if (t.startsWith("ExecStart=")) {
                line = t.substring("ExecStart=".length());
            }
        }
        assertThat(line).as("ExecStart= in carbon.service").isNotNull();
        List<String> words = Words.split(line);
        words.set(0, words.get(0).replaceFirst("^[-@:+!]+", ""));
        return words;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    private static List<String> strings(Object o) {
        assertThat(o).isInstanceOf(List.class);
        return ((List<?>) o).stream().map(String::valueOf).toList();
    }

    /** The instructions of a Dockerfile's last stage that the image's behaviour depends on. */
    static final class Dockerfile {
        final Map<String, String> env = new LinkedHashMap<>();
        final List<String> volumes = new ArrayList<>();
        final List<String> exposed = new ArrayList<>();
        final List<String> copies = new ArrayList<>();
        final List<String> runs = new ArrayList<>();
        List<String> entrypoint = List.of();
        List<String> cmd = List.of();
        List<String> healthcheck = List.of();
        String workdir = "/";
        String user = "root";
        String stopSignal = "SIGTERM";

        static Dockerfile parse(String text) {
            Dockerfile file = null;
            StringBuilder logical = new StringBuilder();
            for (String raw : text.lines().toList()) {
                String line = raw.strip();
                if (line.startsWith("#") || (line.isEmpty() && logical.length() == 0)) {
                    continue;
                }
                if (line.endsWith("\\")) {
                    logical.append(line, 0, line.length() - 1).append(' ');
                    continue;
                }
                logical.append(line);
                String instruction = logical.toString().strip();
                logical.setLength(0);
                if (instruction.isEmpty()) {
                    continue;
                }
                int space = instruction.indexOf(' ');
                String name = instruction.substring(0, space).toUpperCase(Locale.ROOT);
                String args = instruction.substring(space + 1).strip();
                if (name.equals("FROM")) {
                    file = new Dockerfile(); // only the last stage is the image
                    continue;
                }
                assertThat(file).as("an instruction before FROM").isNotNull();
                file.apply(name, args);
            }
            assertThat(file).as("a FROM in the Dockerfile").isNotNull();
            return file;
        }

        private void apply(String name, String args) {
            switch (name) {
                case "ENV" -> {
                    for (String pair : Words.split(args)) {
                        int eq = pair.indexOf('=');
                        assertThat(eq).as("ENV %s: expected KEY=value", pair).isPositive();
                        env.put(pair.substring(0, eq), pair.substring(eq + 1));
                    }
                }
                case "WORKDIR" -> workdir = Path.of(workdir).resolve(args).toString();
                case "USER" -> user = args;
                case "STOPSIGNAL" -> stopSignal = args;
                case "VOLUME" -> volumes.addAll(args.startsWith("[") ? Json.stringArray(args) : Words.split(args));
                case "EXPOSE" -> exposed.addAll(Words.split(args));
                case "COPY" -> {
                    List<String> words = Words.split(args);
                    copies.add(words.get(words.size() - 1));
                }
                case "ENTRYPOINT" -> entrypoint = execForm(name, args);
                case "CMD" -> cmd = execForm(name, args);
                case "HEALTHCHECK" -> {
                    int at = args.indexOf("CMD [");
                    assertThat(at).as("HEALTHCHECK in exec form").isNotNegative();
                    healthcheck = Json.stringArray(args.substring(at + 4));
                }
                case "RUN" -> runs.add(args);
                default -> {
                    // LABEL, ARG, ...: not part of what this test checks.
                }
            }
        }

        private static List<String> execForm(String name, String args) {
            assertThat(args).as("%s in exec form (JSON), so that signals reach the process", name).startsWith("[");
            return Json.stringArray(args);
        }
    }

    /** Shell-like words: blanks separate them, quotes group them ("..." with backslash escapes, '...'). */
    static final class Words {
        static List<String> split(String text) {
            List<String> words = new ArrayList<>();
            StringBuilder word = new StringBuilder();
            boolean inWord = false;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (Character.isWhitespace(c)) {
                    if (inWord) {
                        words.add(word.toString());
                        word.setLength(0);
                        inWord = false;
                    }
                } else if (c == '"') {
                    inWord = true;
                    for (i++; i < text.length() && text.charAt(i) != '"'; i++) {
                        if (text.charAt(i) == '\\' && i + 1 < text.length()) {
                            i++;
                        }
                        word.append(text.charAt(i));
                    }
                } else if (c == '\'') {
                    inWord = true;
                    for (i++; i < text.length() && text.charAt(i) != '\''; i++) {
                        word.append(text.charAt(i));
                    }
                } else {
                    inWord = true;
                    word.append(c);
                }
            }
            if (inWord) {
                words.add(word.toString());
            }
            return words;
        }
    }

    /** A JSON array of strings, as Dockerfile exec forms are written. */
    static final class Json {
        static List<String> stringArray(String json) {
            String s = json.strip();
            assertThat(s).startsWith("[").endsWith("]");
            List<String> out = new ArrayList<>();
            int i = 1;
            while (true) {
                i = skipBlanks(s, i);
                if (s.charAt(i) == ']') {
                    break;
                }
                assertThat(s.charAt(i)).as("a JSON string at %d in %s", i, s).isEqualTo('"');
                StringBuilder value = new StringBuilder();
                for (i++; s.charAt(i) != '"'; i++) {
                    char c = s.charAt(i);
                    if (c == '\\') {
                        char e = s.charAt(++i);
                        switch (e) {
                            case 'n' -> value.append('\n');
                            case 'r' -> value.append('\r');
                            case 't' -> value.append('\t');
                            case 'b' -> value.append('\b');
                            case 'f' -> value.append('\f');
                            case 'u' -> {
                                value.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                                i += 4;
                            }
                            default -> value.append(e); // \" \\ \/
                        }
                    } else {
                        value.append(c);
                    }
                }
                out.add(value.toString());
                i = skipBlanks(s, i + 1);
                if (s.charAt(i) == ',') {
                    i++;
                }
            }
            return out;
        }

        private static int skipBlanks(String s, int i) {
            while (Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            return i;
        }
    }
}
