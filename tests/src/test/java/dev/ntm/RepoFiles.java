package dev.ntm;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds files of this repository from a test, whatever directory the test runs in. */
public final class RepoFiles {

    private RepoFiles() {
    }

    /** The repository's root: the nearest directory above the working directory holding the parent pom and README. */
    public static Path root() {
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("engine/src/main/java"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root (README.md and engine/) above " + start);
    }
}
