package dev.ntm.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.ntm.kernels.KernelProvider;
import dev.ntm.kernels.Kernels;
import picocli.CommandLine.Command;

/** {@code ntm info}: JDK, kernel provider, vector size, CPU model and cores. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Print the JDK, kernel provider, vector size, CPU model and core count.")
final class InfoCommand implements Runnable {

    @Override
    public void run() {
        Kernels k = KernelProvider.get();
        System.out.println("JDK:           " + System.getProperty("java.vm.name") + " "
                + Runtime.version() + " (" + System.getProperty("java.home") + ")");
        System.out.println("kernels:       " + k.name());
        System.out.println("vector bits:   " + k.vectorBits());
        System.out.println("vector checks: " + vectorChecks());
        System.out.println("CPU:           " + cpuModel());
        System.out.println("cores:         " + Runtime.getRuntime().availableProcessors());
        System.out.println("OS:            " + System.getProperty("os.name") + " " + System.getProperty("os.version")
                + " " + System.getProperty("os.arch"));
    }

    /**
     * Whether the JDK checks the bounds of every vector load and store
     * ({@code jdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK}, 0 = off; the launcher turns them off
     * for every run but the tests, since each kernel checks its ranges at entry).
     */
    static String vectorChecks() {
        return "0".equals(System.getProperty("jdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK", "2").trim())
                ? "off (the JDK's per-access checks; each kernel checks its ranges at entry)"
                : "on (the JDK checks every vector load and store)";
    }

    /** The CPU model from /proc/cpuinfo, or the architecture when it cannot be read. */
    static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String line : lines) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return System.getProperty("os.arch");
    }
}
