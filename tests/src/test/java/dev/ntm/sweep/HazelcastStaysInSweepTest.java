package dev.ntm.sweep;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.ntm.RepoFiles;
import org.junit.jupiter.api.Test;

/**
 * Hazelcast must not reach the engine artifact an embedder depends on. The build enforces it
 * (the parent pom's no-hazelcast rule bans com.hazelcast, transitively, from every module that
 * does not opt in); this test keeps that rule in place and keeps the library modules from
 * opting in.
 */
class HazelcastStaysInSweepTest {

    @Test
    void theParentBansHazelcastOutsideTheModulesThatOptIn() throws Exception {
        Path root = RepoFiles.root();
        String parent = Files.readString(root.resolve("pom.xml"));
        assertTrue(parent.contains("<ntm.hazelcast.allowed>false</ntm.hazelcast.allowed>"), "the default must be: banned");
        assertTrue(parent.replaceAll("\\s+", " ").contains("<skip>${ntm.hazelcast.allowed}</skip> <rules> <bannedDependencies> "
                + "<excludes><exclude>com.hazelcast</exclude></excludes>"), "the enforcer rule no-hazelcast is gone");
        for (String module : List.of("kernels", "engine", "serve", "bench")) {
            String pom = Files.readString(root.resolve(module).resolve("pom.xml"));
            assertFalse(pom.contains("ntm.hazelcast.allowed"), module + " must not opt in to Hazelcast");
            assertFalse(pom.contains("hazelcast"), module + "'s pom names Hazelcast");
        }
        assertTrue(Files.readString(root.resolve("sweep/pom.xml")).contains("<artifactId>hazelcast</artifactId>"));
    }

    @Test
    void theEngineAndKernelsSourcesDoNotUseIt() throws Exception {
        Path root = RepoFiles.root();
        for (String module : List.of("kernels", "engine")) {
            try (var files = Files.walk(root.resolve(module).resolve("src"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    assertFalse(Files.readString(f).contains("com.hazelcast"), f + " uses Hazelcast");
                }
            }
        }
    }
}
