package io.github.wsclose.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the documents promise about the examples: every Java snippet in README.md, examples/README.md
 * and docs/ is an excerpt, line for line, of a source file under examples/ (which the build compiles), the
 * HAProxy configuration in docs/deploy.md is the one the rolling restart test runs, and
 * README.md and the example projects name the library version this build makes.
 */
class ProjectFilesTest {

    /** A fenced Java block, at the start of a line or indented (inside a list item): group 1 is the indentation. */
    private static final Pattern JAVA_BLOCK = Pattern.compile("^( *)```java\\n(.*?)^\\1```$", Pattern.MULTILINE | Pattern.DOTALL);
    private static final Pattern HAPROXY_BLOCK = Pattern.compile("^```haproxy\\n(.*?)^```$", Pattern.MULTILINE | Pattern.DOTALL);

    @Test
    void everyJavaSnippetIsAnExcerptOfAnExampleSource() throws IOException {
        Map<Path, List<String>> sources = javaSourcesUnder(Path.of("examples"));
        assertThat(sources).as("java sources under examples/").isNotEmpty();

        List<String> snippets = new ArrayList<>();
        List<String> drifted = new ArrayList<>();
        for (Path doc : documents()) {
            String text = Files.readString(doc);
            Matcher block = JAVA_BLOCK.matcher(text);
            while (block.find()) {
                String where = doc + ":" + (text.substring(0, block.start()).split("\n", -1).length);
                String indent = block.group(1);
                List<String> snippet = block.group(2).lines().map(line -> line.startsWith(indent) ? line.substring(indent.length()) : line)
                        .toList();
                snippets.add(where);
                if (snippet.isEmpty() || sources.values().stream().noneMatch(source -> contains(source, snippet))) {
                    drifted.add(where + (snippet.isEmpty() ? " (empty)" : " (starts with: " + snippet.get(0).strip() + ")"));
                }
            }
        }
        assertThat(snippets).as("java snippets in README.md, examples/README.md and docs/").isNotEmpty();
        assertThat(drifted)
                .as("java snippets that are not an excerpt of any source under examples/ (copy them from the source again)")
                .isEmpty();
    }

    @Test
    void deployGuideShowsTheHaproxyConfigurationTheRollingRestartTestRuns() throws IOException {
        String guide = Files.readString(Path.of("docs/deploy.md"));
        List<String> blocks = HAPROXY_BLOCK.matcher(guide).results().map(block -> block.group(1)).toList();
        assertThat(blocks).as("```haproxy blocks in docs/deploy.md").hasSize(1);
        assertThat(blocks.get(0))
                .as("the haproxy block of docs/deploy.md (copy examples/interop/haproxy.cfg into it again)")
                .isEqualTo(Files.readString(Path.of("examples/interop/haproxy.cfg")));
    }

    @Test
    void readmeAndExamplesNameThisVersionOfTheLibrary() throws IOException {
        String version = System.getProperty("wsclose.version");
        assertThat(version).as("system property wsclose.version, set by the pom").isNotBlank();
        assertThat(Files.readString(Path.of("examples/consumer/pom.xml")))
                .containsPattern("<artifactId>netty-websocket-close</artifactId>\\s*<version>" + Pattern.quote(version) + "</version>");
        assertThat(Files.readString(Path.of("README.md")))
                .containsPattern("<artifactId>netty-websocket-close</artifactId>\\s*<version>" + Pattern.quote(version) + "</version>");
        assertThat(Files.readString(Path.of("benchmarks/pom.xml")))
                .containsPattern("<artifactId>netty-websocket-close-benchmarks</artifactId>\\s*<version>" + Pattern.quote(version) + "</version>");
    }

    /** README.md, examples/README.md and every Markdown file of docs/. */
    private static List<Path> documents() throws IOException {
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            return Stream.concat(Stream.of(Path.of("README.md"), Path.of("examples/README.md")),
                    docs.filter(p -> p.toString().endsWith(".md")).sorted()).toList();
        }
    }

    private static Map<Path, List<String>> javaSourcesUnder(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            List<Path> java = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.toString().contains("node_modules") && !p.toString().contains("target"))
                    .toList();
            Map<Path, List<String>> sources = new TreeMap<>();
            for (Path p : java) {
                sources.put(p, Files.readAllLines(p));
            }
            return sources;
        }
    }

    /**
     * Tells whether {@code snippet} is a run of consecutive lines of {@code source}, each source
     * line indented by the same prefix as the first (an excerpt from inside a method may be shown
     * without its indentation). A blank snippet line matches a blank source line.
     */
    private static boolean contains(List<String> source, List<String> snippet) {
        for (int start = 0; start + snippet.size() <= source.size(); start++) {
            String first = source.get(start);
            if (!first.endsWith(snippet.get(0)) || !first.substring(0, first.length() - snippet.get(0).length()).isBlank()) {
                continue;
            }
            String indent = first.substring(0, first.length() - snippet.get(0).length());
            boolean all = true;
            for (int i = 1; i < snippet.size() && all; i++) {
                String line = source.get(start + i);
                all = snippet.get(i).isEmpty() ? line.isBlank() : line.equals(indent + snippet.get(i));
            }
            if (all) {
                return true;
            }
        }
        return false;
    }
}
