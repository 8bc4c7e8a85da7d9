package io.carbon.staticfiles;

import io.carbon.config.FilesConfig;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PathResolverTest {

    @TempDir
    Path tmp;
    Path root;
    PathResolver resolver;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectories(tmp.resolve("www"));
        resolver = new PathResolver(new FilesConfig(root, List.of("index.html"), true, false, "no-cache"));
    }

    /**
     * Lexical vectors. expected: a status code (400/404) or "=relative/path" (empty for the root), with a
     * trailing '/' when the request named a directory.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "/                      | =/",
            "/index.html            | =index.html",
            "/a/b.txt               | =a/b.txt",
            "/a/                    | =a/",
            "/../                   | 400",
            "/..                    | 400",
            "/%2e%2e/               | 400",
            "/%2E%2E%2Fetc/passwd   | 400",
            "/..%2f                 | 400",
            "/..%5c..%5c            | 400",
            "'/..\\'                | 400",
            "'/a\\b'                | 400",
            "/%c0%ae%c0%ae/         | 400",
            "/%252e%252e            | =%2e%2e",
            "//etc/passwd           | =etc/passwd",
            "/./a/../b              | =b",
            "/a/..                  | =/",
            "/a/.                   | =a/",
            "/a/b/../../c           | =c",
            "/a/../../c             | 400",
            "/a/%00                 | 400",
            "/%0d%0a                | 400",
            "/a%7f                  | 400",
            "/.git/config           | 404",
            "/.env                  | 404",
            "/a/%2eenv              | 404",
            "/%                     | 400",
            "/%2                    | 400",
            "/%zz                   | 400",
            "/%ff                   | 400",
            "/%e2%82                | 400",
            "/caf%c3%a9.txt         | =café.txt",
            "/a%20b                 | =a b",
            "relative               | 400",
            "''                     | 400",
    })
    void resolvesLexically(String rawPath, String expected) {
        PathResolver.Resolution resolution = resolver.resolve(rawPath);
        if (expected.startsWith("=")) {
            String rel = expected.substring(1);
            boolean dir = rel.endsWith("/");
            String name = dir ? rel.substring(0, rel.length() - 1) : rel;
            assertThat(resolution).isEqualTo(new PathResolver.Found(name.isEmpty() ? root : root.resolve(name), dir));
        } else {
            assertThat(resolution).isEqualTo(
                    new PathResolver.Rejected(HttpResponseStatus.valueOf(Integer.parseInt(expected))));
        }
    }

    @Test
    void dotfilesAreServedWhenNotHidden() {
        PathResolver open = new PathResolver(new FilesConfig(root, List.of(), false, false, ""));
        assertThat(open.resolve("/.well-known/x")).isEqualTo(new PathResolver.Found(root.resolve(".well-known/x"), false));
    }

    @Test
    void rememberedPathsResolveAsTheFirstTimeWhateverShareASlot() {
        // Many more paths than remembered slots, so slots are shared and replaced; each resolves as a fresh
        // resolver would, the first time and every later time, long paths (never remembered) included.
        List<String> paths = new java.util.ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            paths.add(i % 7 == 0 ? "/../x" + i : i % 5 == 0 ? "/.hidden/" + i : "/dir" + i + "/file.html");
        }
        paths.add("/" + "a".repeat(300));
        paths.add("/" + "%2e".repeat(100));
        for (int round = 0; round < 3; round++) {
            for (String path : paths) {
                PathResolver fresh = new PathResolver(new FilesConfig(root, List.of("index.html"), true, false, "no-cache"));
                assertThat(resolver.resolve(path)).as(path).isEqualTo(fresh.resolve(path));
            }
        }
    }

    @Test
    void confineAcceptsFilesAndSymlinksInsideTheRoot() throws IOException {
        Path file = Files.writeString(root.resolve("a.txt"), "a");
        Files.createSymbolicLink(root.resolve("link.txt"), file);
        assertThat(resolver.confine(root.resolve("a.txt"))).isEqualTo(new PathResolver.Found(file.toRealPath(), false));
        assertThat(resolver.confine(root.resolve("link.txt"))).isEqualTo(new PathResolver.Found(file.toRealPath(), false));
    }

    @Test
    void confineRejectsSymlinksLeavingTheRoot() throws IOException {
        Path outside = Files.writeString(tmp.resolve("secret.txt"), "secret");
        Path outsideDir = Files.createDirectories(tmp.resolve("outdir"));
        Files.writeString(outsideDir.resolve("f.txt"), "f");
        Files.createSymbolicLink(root.resolve("out.txt"), outside);
        Files.createSymbolicLink(root.resolve("dirlink"), outsideDir);

        assertThat(resolver.confine(root.resolve("out.txt"))).isEqualTo(PathResolver.Rejected.NOT_FOUND);
        // A symlinked parent directory leaving the root is caught as well.
        assertThat(resolver.confine(root.resolve("dirlink/f.txt"))).isEqualTo(PathResolver.Rejected.NOT_FOUND);

        PathResolver allowing = new PathResolver(new FilesConfig(root, List.of(), true, true, ""));
        assertThat(allowing.confine(root.resolve("out.txt"))).isEqualTo(new PathResolver.Found(outside.toRealPath(), false));
    }

    @Test
    void confineRejectsSymlinksToHiddenFilesAndMissingFiles() throws IOException {
        Path hidden = Files.writeString(Files.createDirectories(root.resolve(".git")).resolve("config"), "x");
        Files.createSymbolicLink(root.resolve("cfg"), hidden);
        Files.writeString(root.resolve("plain.txt"), "p");

        assertThat(resolver.confine(root.resolve("cfg"))).isEqualTo(PathResolver.Rejected.NOT_FOUND);
        assertThat(resolver.confine(root.resolve("missing"))).isEqualTo(PathResolver.Rejected.NOT_FOUND);
        // ENOTDIR: a path "through" a regular file.
        assertThat(resolver.confine(root.resolve("plain.txt/x"))).isEqualTo(PathResolver.Rejected.NOT_FOUND);
    }

    @Test
    void confineRejectsSymlinkLoops() throws IOException {
        Files.createSymbolicLink(root.resolve("loop1"), root.resolve("loop2"));
        Files.createSymbolicLink(root.resolve("loop2"), root.resolve("loop1"));
        assertThat(resolver.confine(root.resolve("loop1"))).isEqualTo(PathResolver.Rejected.NOT_FOUND);
    }
}
