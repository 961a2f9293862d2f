package dev.ntm.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.io.ConfigJson;
import dev.ntm.kernels.Kernels;

/**
 * What a benchmark figure depends on besides the code: the machine, the JVM, the kernels, the
 * commit and the model configuration. Two reports compare cleanly only when their fingerprints
 * agree on everything but the commit; {@link #differences} lists what does not.
 *
 * @param cpuModel   CPU model name from /proc/cpuinfo (the architecture when unreadable)
 * @param cores      processors available to the JVM
 * @param vectorBits vector width the kernels use (32 for scalar)
 * @param kernels    kernel provider name ({@code scalar} or {@code simd})
 * @param jdkVersion {@code Runtime.version()}
 * @param jdkVendor  {@code java.vendor} and {@code java.vm.name}
 * @param jvmFlags   the JVM's input arguments
 * @param os         operating system name, version and architecture
 * @param gitCommit  the commit the code was built from, {@code unknown} outside a repository
 * @param configHash first 12 hex digits of the SHA-256 of {@code ConfigJson.toJson(config)}
 */
public record Fingerprint(String cpuModel, int cores, int vectorBits, String kernels, String jdkVersion,
                          String jdkVendor, List<String> jvmFlags, String os, String gitCommit,
                          String configHash) {

    /** Copies the flag list. */
    public Fingerprint {
        jvmFlags = List.copyOf(jvmFlags);
    }

    /** The fingerprint of this JVM running {@code kernels} on {@code config}. */
    public static Fingerprint capture(Kernels kernels, NtmConfig config) {
        return new Fingerprint(detectCpuModel(), Runtime.getRuntime().availableProcessors(), kernels.vectorBits(),
                kernels.name(), Runtime.version().toString(),
                System.getProperty("java.vendor", "?") + " / " + System.getProperty("java.vm.name", "?"),
                ManagementFactory.getRuntimeMXBean().getInputArguments(),
                System.getProperty("os.name", "?") + " " + System.getProperty("os.version", "?") + " "
                        + System.getProperty("os.arch", "?"),
                detectGitCommit(), hashConfig(config));
    }

    /**
     * The fields, other than the commit, in which {@code baseline} differs from this one, each as
     * {@code "field: baseline value -> this value"}. Empty when the two runs are comparable.
     */
    public List<String> differences(Fingerprint baseline) {
        List<String> out = new ArrayList<>();
        diff(out, "CPU", baseline.cpuModel, cpuModel);
        diff(out, "cores", String.valueOf(baseline.cores), String.valueOf(cores));
        diff(out, "vector bits", String.valueOf(baseline.vectorBits), String.valueOf(vectorBits));
        diff(out, "kernels", baseline.kernels, kernels);
        diff(out, "JDK", baseline.jdkVersion, jdkVersion);
        diff(out, "JDK vendor", baseline.jdkVendor, jdkVendor);
        diff(out, "JVM flags", String.join(" ", baseline.jvmFlags), String.join(" ", jvmFlags));
        diff(out, "OS", baseline.os, os);
        diff(out, "configuration", baseline.configHash, configHash);
        return out;
    }

    private static void diff(List<String> out, String field, String before, String now) {
        if (!before.equals(now)) {
            out.add(field + ": " + before + " -> " + now);
        }
    }

    /** The fingerprint as a JSON object (a map in a fixed key order). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpuModel", cpuModel);
        m.put("cores", cores);
        m.put("vectorBits", vectorBits);
        m.put("kernels", kernels);
        m.put("jdkVersion", jdkVersion);
        m.put("jdkVendor", jdkVendor);
        m.put("jvmFlags", new ArrayList<Object>(jvmFlags));
        m.put("os", os);
        m.put("gitCommit", gitCommit);
        m.put("configHash", configHash);
        return m;
    }

    /** Reads a fingerprint written by {@link #toMap}; throws naming a missing or mistyped field. */
    public static Fingerprint fromMap(Map<String, Object> m) {
        List<String> flags = new ArrayList<>();
        for (Object o : JsonFields.list(m, "jvmFlags", "fingerprint")) {
            if (!(o instanceof String s)) {
                throw new IllegalArgumentException("fingerprint.jvmFlags must hold strings, got " + o);
            }
            flags.add(s);
        }
        return new Fingerprint(JsonFields.string(m, "cpuModel", "fingerprint"),
                JsonFields.integer(m, "cores", "fingerprint"),
                JsonFields.integer(m, "vectorBits", "fingerprint"),
                JsonFields.string(m, "kernels", "fingerprint"),
                JsonFields.string(m, "jdkVersion", "fingerprint"),
                JsonFields.string(m, "jdkVendor", "fingerprint"), flags,
                JsonFields.string(m, "os", "fingerprint"),
                JsonFields.string(m, "gitCommit", "fingerprint"),
                JsonFields.string(m, "configHash", "fingerprint"));
    }

    /** The CPU model name from /proc/cpuinfo, or the architecture when it cannot be read. */
    public static String detectCpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: fall back below
        }
        return System.getProperty("os.arch", "unknown");
    }

    /** First 12 hex digits of the SHA-256 of the configuration's JSON. */
    public static String hashConfig(NtmConfig config) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(ConfigJson.toJson(config).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    /**
     * The commit checked out in the repository around the working directory (or around this
     * code's jar): read from {@code .git} (worktrees and packed refs included), else from
     * {@code git rev-parse HEAD}, else {@code unknown}.
     */
    public static String detectGitCommit() {
        for (Path start : startDirectories()) {
            Path root = repositoryRoot(start);
            if (root != null) {
                String commit = readHead(root);
                if (commit == null) {
                    commit = revParse(root);
                }
                if (commit != null) {
                    return commit;
                }
            }
        }
        return "unknown";
    }

    private static List<Path> startDirectories() {
        List<Path> dirs = new ArrayList<>();
        dirs.add(Path.of("").toAbsolutePath());
        try {
            dirs.add(Path.of(Fingerprint.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (Exception e) {
            // no code source (unusual class loader): the working directory alone
        }
        return dirs;
    }

    static Path repositoryRoot(Path start) {
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve(".git"))) {
                return p;
            }
        }
        return null;
    }

    /** The commit of HEAD read from the files under {@code root/.git}, or null. */
    static String readHead(Path root) {
        try {
            Path git = root.resolve(".git");
            Path gitDir = git;
            if (Files.isRegularFile(git)) {
                String line = Files.readString(git).trim();
                if (!line.startsWith("gitdir:")) {
                    return null;
                }
                gitDir = root.resolve(line.substring("gitdir:".length()).trim()).normalize();
            }
            Path commonDir = gitDir;
            Path commonFile = gitDir.resolve("commondir");
            if (Files.isRegularFile(commonFile)) {
                commonDir = gitDir.resolve(Files.readString(commonFile).trim()).normalize();
            }
            String head = Files.readString(gitDir.resolve("HEAD")).trim();
            if (!head.startsWith("ref:")) {
                return isHash(head) ? head : null;
            }
            String ref = head.substring("ref:".length()).trim();
            for (Path dir : List.of(gitDir, commonDir)) {
                Path file = dir.resolve(ref);
                if (Files.isRegularFile(file)) {
                    String hash = Files.readString(file).trim();
                    return isHash(hash) ? hash : null;
                }
            }
            Path packed = commonDir.resolve("packed-refs");
            if (Files.isRegularFile(packed)) {
                for (String line : Files.readAllLines(packed)) {
                    if (line.endsWith(" " + ref) && isHash(line.substring(0, line.indexOf(' ')))) {
                        return line.substring(0, line.indexOf(' '));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // unreadable repository: the caller tries git itself
        }
        return null;
    }

    private static String revParse(Path root) {
        try {
            Process p = new ProcessBuilder("git", "-C", root.toString(), "rev-parse", "HEAD")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 && isHash(out)) {
                return out;
            }
            p.destroy();
        } catch (IOException e) {
            // no git on the path
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    private static boolean isHash(String s) {
        return s.length() == 40 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }
}
