package dev.ntm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The README's library code is the compiled example's code: the {@code java} block of the
 * README's section "The library" must equal the regions of
 * examples/src/main/java/dev/ntm/examples/LibraryExample.java between {@code // README:begin} and
 * {@code // README:end}, each region without its common indentation, regions separated by one
 * blank line. (.ci/run compiles and runs the example against the installed artifacts.)
 */
class ReadmeExampleTest {

    private static final Path EXAMPLE = Path.of("examples/src/main/java/dev/ntm/examples/LibraryExample.java");
    private static final Pattern REGION = Pattern.compile("// README:begin\\n(.*?)\\n[ \\t]*// README:end", Pattern.DOTALL);

    @Test
    void readmeLibraryCodeIsTheExamplesCode() throws IOException {
        Path root = RepoFiles.root();
        String example = Files.readString(root.resolve(EXAMPLE));
        List<String> regions = new ArrayList<>();
        Matcher m = REGION.matcher(example);
        while (m.find()) {
            regions.add(m.group(1).stripIndent().stripTrailing());
        }
        assertTrue(regions.size() >= 2, "expected the imports and the methods as README regions in " + EXAMPLE
                + ", found " + regions.size());
        assertEquals(String.join("\n\n", regions), readmeLibraryBlock(Files.readString(root.resolve("README.md"))),
                "README.md's library code differs from " + EXAMPLE + "; copy the README regions into README.md");
    }

    /** The first {@code java} code block after the heading "## The library". */
    static String readmeLibraryBlock(String readme) {
        int section = readme.indexOf("\n## The library\n");
        assertTrue(section >= 0, "README.md has no section '## The library'");
        int open = readme.indexOf("\n```java\n", section);
        assertTrue(open >= 0, "README.md's library section has no ```java block");
        int start = open + "\n```java\n".length();
        int end = readme.indexOf("\n```\n", start);
        assertTrue(end >= 0, "README.md's library java block is not closed");
        return readme.substring(start, end).stripTrailing();
    }
}
