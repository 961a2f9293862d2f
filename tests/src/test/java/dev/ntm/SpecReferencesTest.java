package dev.ntm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The code and the docs cite the specification as "docs/SPEC.md section N" or "docs/SPEC.md N.M"
 * (item M of section N): every such section must exist in docs/SPEC.md, and every item must be
 * a numbered item of its section, so that renumbering the file cannot leave a reference dangling.
 */
class SpecReferencesTest {

    private static final Pattern SECTION_REF = Pattern.compile("docs/SPEC\\.md,?\\s+sections?\\s+(\\d+)(?:\\s*(?:to|-|and)\\s*(\\d+))?");
    private static final Pattern BARE_SECTION_REF = Pattern.compile("docs/SPEC\\.md\\s+(\\d+)(?![.\\d])");
    private static final Pattern ITEM_REF = Pattern.compile("docs/SPEC\\.md\\s+(\\d+)\\.(\\d+)");
    private static final Pattern HEADING = Pattern.compile("(?m)^## (\\d+)\\. ");

    @Test
    void everyCitedSectionAndItemExists() throws IOException {
        Path root = RepoFiles.root();
        String spec = Files.readString(root.resolve("docs/SPEC.md"));
        Set<Integer> sections = new TreeSet<>();
        Matcher h = HEADING.matcher(spec);
        while (h.find()) {
            sections.add(Integer.parseInt(h.group(1)));
        }
        assertTrue(sections.size() >= 6, "docs/SPEC.md has sections " + sections);
        List<String> dangling = new ArrayList<>();
        int references = 0;
        for (Path file : sourcesAndDocs(root)) {
            String text = Files.readString(file).replaceAll("\\s*\\n\\s*(\\*|#|//)?\\s*", " ");
            Matcher m = SECTION_REF.matcher(text);
            while (m.find()) {
                references++;
                int from = Integer.parseInt(m.group(1));
                int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
                for (int s = from; s <= to; s++) {
                    if (!sections.contains(s)) {
                        dangling.add(root.relativize(file) + ": " + m.group());
                    }
                }
            }
            Matcher b = BARE_SECTION_REF.matcher(text);
            while (b.find()) {
                references++;
                if (!sections.contains(Integer.parseInt(b.group(1)))) {
                    dangling.add(root.relativize(file) + ": " + b.group());
                }
            }
            Matcher i = ITEM_REF.matcher(text);
            while (i.find()) {
                references++;
                if (!hasItem(spec, Integer.parseInt(i.group(1)), Integer.parseInt(i.group(2)))) {
                    dangling.add(root.relativize(file) + ": " + i.group());
                }
            }
        }
        assertTrue(references > 50, "found only " + references + " references to docs/SPEC.md");
        assertEquals(List.of(), dangling, "references to sections or items docs/SPEC.md does not have");
    }

    /** Whether section {@code section} of the spec has a numbered item {@code item} ({@code 4. **...}). */
    private static boolean hasItem(String spec, int section, int item) {
        int start = spec.indexOf("\n## " + section + ". ");
        if (start < 0) {
            return false;
        }
        int end = spec.indexOf("\n## ", start + 1);
        String body = spec.substring(start, end < 0 ? spec.length() : end);
        return Pattern.compile("(?m)^" + item + "\\. ").matcher(body).find();
    }

    private static List<Path> sourcesAndDocs(Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String dir : List.of("kernels", "engine", "bench", "cli", "tests", "docs", "examples")) {
            Path d = root.resolve(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(d)) {
                files.filter(f -> !f.toString().contains("/target/"))
                        .filter(f -> f.toString().endsWith(".java") || f.toString().endsWith(".md")
                                || f.toString().endsWith(".py"))
                        .forEach(out::add);
            }
        }
        out.add(root.resolve("README.md"));
        out.add(root.resolve("PERFORMANCE.md"));
        return out;
    }
}
