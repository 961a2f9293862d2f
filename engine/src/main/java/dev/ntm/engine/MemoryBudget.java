package dev.ntm.engine;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.ntm.engine.layout.ParamLayout;

/**
 * What a command will allocate, estimated from the configuration before anything is allocated,
 * and the check that it fits: Java heap against {@link Runtime#maxMemory()}, native (off-heap)
 * memory against what the machine (and its container limit) has available. A configuration that
 * does not fit is refused with an {@link IllegalArgumentException} that gives the estimate, the
 * limit and what to reduce -- instead of an {@link OutOfMemoryError} or the kernel killing the
 * process.
 *
 * <p>The activation estimate mirrors the engine's tape layout (every field rounded up to 64
 * bytes); a test keeps it within a few percent of the real {@code Network.tapeBytes()}.
 */
public final class MemoryBudget {

    /** Share of a limit an estimate may take: the rest is for what the estimate leaves out. */
    static final double USABLE = 0.9;
    private static final int ALIGN = 16;

    private MemoryBudget() {
    }

    /**
     * An estimate: named parts, each some bytes of Java heap or of native memory.
     *
     * @param parts what the memory is for, in the order added
     */
    public record Need(List<Part> parts) {

        /** One part: {@code bytes} of heap ({@code heap}) or native memory, for {@code what}. */
        public record Part(String what, double bytes, boolean heap) {
        }

        /** A need of one part. */
        public static Need heap(String what, double bytes) {
            return new Need(List.of(new Part(what, bytes, true)));
        }

        /** A need of one part. */
        public static Need offHeap(String what, double bytes) {
            return new Need(List.of(new Part(what, bytes, false)));
        }

        /** Both needs' parts. */
        public Need plus(Need o) {
            List<Part> all = new ArrayList<>(parts);
            all.addAll(o.parts);
            return new Need(List.copyOf(all));
        }

        /** Bytes of heap ({@code heap}) or of native memory. */
        public double bytes(boolean heap) {
            return parts.stream().filter(p -> p.heap == heap).mapToDouble(Part::bytes).sum();
        }

        /**
         * Throws when the need does not fit the heap or the available native memory, with the
         * estimate, its largest parts and the limit, on one line.
         *
         * @param action what needs it, e.g. "this training run"
         * @param reduce what the user can make smaller, e.g. "--hidden, --memory or --batch"
         */
        public void require(String action, String reduce) {
            long heap = heapLimit();
            if (bytes(true) > heap * USABLE) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s needs about %s of Java heap (%s) but the heap limit is %s (-Xmx, e.g. through "
                                + "NTM_JAVA_OPTS); reduce %s", action, format(bytes(true)), describe(true), format(heap),
                        reduce));
            }
            long available = nativeAvailable();
            if (bytes(false) > available * USABLE) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s needs about %s of native memory (%s) but %s are available; reduce %s",
                        action, format(bytes(false)), describe(false), format(available), reduce));
            }
        }

        private String describe(boolean heap) {
            return parts.stream().filter(p -> p.heap == heap && p.bytes > 0)
                    .sorted((x, y) -> Double.compare(y.bytes, x.bytes))
                    .map(p -> p.what + " " + MemoryBudget.format(p.bytes))
                    .collect(Collectors.joining(", "));
        }
    }

    /** Native bytes of the parameters and of {@code buffers - 1} more buffers of the same layout. */
    public static Need parameterBuffers(NtmConfig config, int buffers, String what) {
        return Need.offHeap(what, 4.0 * ParamLayout.of(config).size() * buffers);
    }

    /** Heap bytes of {@code arrays} float arrays of the parameter layout's size. */
    public static Need parameterArrays(NtmConfig config, int arrays, String what) {
        return Need.heap(what, 4.0 * ParamLayout.of(config).size() * arrays);
    }

    /**
     * Native bytes of a network of {@code batch} sequences of up to {@code steps} steps with
     * gradients (training and evaluation networks), as the engine lays out its tape.
     */
    public static double networkBytes(NtmConfig c, int batch, long steps) {
        return 4.0 * tapeFloats(c, batch, Math.max(2, steps), steps + 1, true);
    }

    /** Native bytes of an inference session of {@code batch} sequences (its state and a copy of the weights). */
    public static Need session(NtmConfig c, int batch) {
        double tape = 4.0 * tapeFloats(c, batch, 2, 1, false);
        return Need.offHeap("the state of " + batch + " sequences and a copy of the weights",
                tape + 4.0 * ParamLayout.of(c).size());
    }

    /** Heap bytes of {@code count} sequences of up to {@code steps} steps with X inputs and Y targets. */
    public static Need sequences(NtmConfig c, double count, long steps, String what) {
        // inputs, targets and mask per step, plus the arrays' and record's headers
        double perSequence = 4.0 * steps * (c.inputSize() + c.outputSize() + 1) + 96;
        return Need.heap(what, count * (perSequence + 8));
    }

    /** Floats of the tape of {@code batch} sequences, {@code slots} step rows and {@code memSlots} memories. */
    static double tapeFloats(NtmConfig c, int batch, long slots, long memSlots, boolean gradients) {
        boolean lstm = c.controller() == NtmConfig.Controller.LSTM;
        boolean location = c.addressing() == NtmConfig.Addressing.CONTENT_LOCATION;
        long h = c.hiddenSize();
        long ld = align(c.memoryRows());
        long memFloats = c.memoryWidth() * ld;
        long headParams = c.readHeads() * align(c.readHeadParams()) + c.writeHeads() * align(c.writeHeadParams());
        long heads = c.heads();
        long row = 0;
        long maxConcat = 0;
        for (int l = 0; l < c.layers(); l++) {
            long in = c.layerInputSize(l) + (lstm ? h : 0);
            maxConcat = Math.max(maxConcat, in);
            row += align(in);
            if (lstm) {
                row += align(4 * h) + 2 * align(h) + (gradients ? align(4 * h) : 0);
            }
        }
        row += align(h + (long) c.readHeads() * c.memoryWidth()) + (gradients ? 3 : 2) * align(headParams)
                + 4 * align(c.outputSize()) + align(ld) + align(heads) + align(heads * ld) * (location ? 5 : 2);
        long grad = 0;
        if (gradients) {
            grad = align(h + (long) c.readHeads() * c.memoryWidth()) + align(headParams) + align(heads * ld)
                    + align(memFloats) + align((long) c.readHeads() * c.memoryWidth())
                    + (lstm ? 2L * c.layers() * align(h) : align(h)) + align(h) + align(maxConcat);
        }
        return (double) slots * batch * row + (double) memSlots * batch * memFloats
                + align((long) c.readHeads() * c.memoryWidth()) + align(heads * ld) + align(memFloats)
                + align(h) + (double) batch * grad;
    }

    private static long align(long floats) {
        return (floats + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** The most heap this JVM may still allocate. */
    static long heapLimit() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /**
     * Native memory available now: the kernel's MemAvailable, capped by the cgroup (container)
     * limit less its usage; the JVM's view of free memory where /proc is not readable.
     */
    static long nativeAvailable() {
        long available = Long.MAX_VALUE;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    available = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            Path max = Path.of("/sys/fs/cgroup/memory.max");
            Path current = Path.of("/sys/fs/cgroup/memory.current");
            if (Files.isReadable(max) && Files.isReadable(current)) {
                String limit = Files.readString(max).trim();
                if (!limit.equals("max")) {
                    available = Math.min(available, Long.parseLong(limit) - Long.parseLong(Files.readString(current).trim()));
                }
            }
        } catch (IOException | NumberFormatException | SecurityException e) {
            // fall through to the JVM's own figure below
        }
        if (available == Long.MAX_VALUE
                && ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            available = os.getFreeMemorySize();
        }
        return available;
    }

    /** Bytes as text: 512 B, 3.4 MB, 21.9 GB. */
    static String format(double b) {
        List<String> units = List.of("B", "KB", "MB", "GB", "TB", "PB", "EB");
        int u = 0;
        while (b >= 1000 && u < units.size() - 1) {
            b /= 1000;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f B", b) : String.format(Locale.ROOT, "%.1f %s", b, units.get(u));
    }
}
