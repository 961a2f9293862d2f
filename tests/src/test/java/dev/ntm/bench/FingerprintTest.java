package dev.ntm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.io.ConfigJson;
import dev.ntm.kernels.KernelProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link Fingerprint} records, and how it finds the commit. */
class FingerprintTest {

    private static final String HASH = "0123456789abcdef0123456789abcdef01234567";

    @Test
    void captureRecordsThisJvm() {
        Fingerprint f = Fingerprint.capture(KernelProvider.scalar(), NtmConfig.copyTask());
        assertEquals("scalar", f.kernels());
        assertEquals(32, f.vectorBits());
        assertEquals(Runtime.version().toString(), f.jdkVersion());
        assertEquals(Runtime.getRuntime().availableProcessors(), f.cores());
        // Surefire runs the tests with the project's JVM flags.
        assertTrue(f.jvmFlags().contains("--add-modules=jdk.incubator.vector"), f.jvmFlags().toString());
        assertEquals(12, f.configHash().length());
        assertTrue(f.differences(f).isEmpty());
        assertEquals(f, Fingerprint.fromMap(f.toMap()));
    }

    @Test
    void configHashDependsOnTheConfiguration() throws NoSuchAlgorithmException {
        NtmConfig copy = NtmConfig.copyTask();
        assertEquals(Fingerprint.hashConfig(copy), Fingerprint.hashConfig(NtmConfig.copyTask()));
        assertNotEquals(Fingerprint.hashConfig(copy), Fingerprint.hashConfig(copy.toBuilder().memory(64, 20).build()));
        // The hash is the start of the SHA-256 of the configuration's JSON.
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(ConfigJson.toJson(copy).getBytes(StandardCharsets.UTF_8));
        assertEquals(HexFormat.of().formatHex(digest, 0, 6), Fingerprint.hashConfig(copy));
    }

    @Test
    void readsLooseRefsPackedRefsWorktreesAndDetachedHeads(@TempDir Path dir) throws IOException {
        Path repo = dir.resolve("repo");
        Files.createDirectories(repo.resolve(".git/refs/heads"));
        Files.writeString(repo.resolve(".git/HEAD"), "ref: refs/heads/main\n");
        Files.writeString(repo.resolve(".git/refs/heads/main"), HASH + "\n");
        assertEquals(HASH, Fingerprint.readHead(repo));
        assertEquals(repo, Fingerprint.repositoryRoot(repo.resolve("a/b")));

        // Packed ref only.
        Files.delete(repo.resolve(".git/refs/heads/main"));
        Files.writeString(repo.resolve(".git/packed-refs"), "# pack-refs with: peeled\n" + HASH + " refs/heads/main\n");
        assertEquals(HASH, Fingerprint.readHead(repo));

        // A worktree: .git is a file pointing at a gitdir whose commondir is the main .git.
        Path wt = dir.resolve("wt");
        Path gitdir = repo.resolve(".git/worktrees/wt");
        Files.createDirectories(wt);
        Files.createDirectories(gitdir);
        Files.writeString(wt.resolve(".git"), "gitdir: " + gitdir + "\n");
        Files.writeString(gitdir.resolve("commondir"), "../..\n");
        Files.writeString(gitdir.resolve("HEAD"), "ref: refs/heads/main\n");
        assertEquals(HASH, Fingerprint.readHead(wt));

        // Detached head.
        Files.writeString(gitdir.resolve("HEAD"), HASH.replace('0', 'f') + "\n");
        assertEquals(HASH.replace('0', 'f'), Fingerprint.readHead(wt));

        // Not a hash: no answer from the files.
        Files.writeString(gitdir.resolve("HEAD"), "garbage\n");
        assertEquals(null, Fingerprint.readHead(wt));
    }

    @Test
    void thisCheckoutHasACommit() {
        // The tests run inside the project's repository (or a copy without .git: then "unknown").
        String commit = Fingerprint.detectGitCommit();
        assertTrue(commit.equals("unknown") || commit.matches("[0-9a-f]{40}"), commit);
    }
}
