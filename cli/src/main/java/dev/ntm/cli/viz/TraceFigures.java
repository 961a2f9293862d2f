package dev.ntm.cli.viz;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.io.TraceFile;

/**
 * The heatmaps of one traced sequence, in the spirit of Fig. 6 of the NTM paper: time runs left to
 * right, and every panel of a figure shares the time axis. Weightings show only the memory rows in
 * use ({@link RowRange}), the same rows for every head, named on the axis.
 *
 * <ul>
 *   <li>{@code overview.png}: inputs, outputs, adds, write and read weightings (Fig. 6's rows);</li>
 *   <li>{@code sequence.png}: inputs, targets and outputs (sigmoid of the logits);</li>
 *   <li>{@code weightings.png}: every write head's weighting, then every read head's;</li>
 *   <li>{@code writes.png}: every write head's add and erase vectors (when the trace has them);</li>
 *   <li>{@code memory.png}: the memory at chosen steps (when the trace has it).</li>
 * </ul>
 */
public final class TraceFigures {

    /** Figure of the weightings: write heads' panels first, then the read heads'. */
    public static final String WEIGHTINGS = "weightings.png";

    private final TraceFile.Trace trace;
    private final NtmConfig config;
    private final int steps;
    private final RowRange rows;
    private final long bitErrors;
    private final String title;
    private final int cellWidth;

    /**
     * @param trace the traced sequence
     * @param about what was traced, for the titles (model, task, length); the bit errors and the
     *              cost are added
     */
    public TraceFigures(TraceFile.Trace trace, String about) {
        this.trace = trace;
        this.config = trace.config();
        this.steps = trace.steps();
        this.rows = RowRange.inUse(config.memoryRows(), trace.writeWeights(), trace.readWeights());
        this.bitErrors = bitErrors(trace);
        this.title = String.format(Locale.ROOT, "%s: %d bit error%s, cost %s bits", about, bitErrors,
                bitErrors == 1 ? "" : "s", Style.number(trace.loss() / Math.log(2)));
        this.cellWidth = clamp(720 / steps, 3, 14);
    }

    /** The memory rows the weighting panels show. */
    public RowRange rows() {
        return rows;
    }

    /** Masked output bits the traced outputs get wrong. */
    public long bitErrors() {
        return bitErrors;
    }

    /** The figures by file name; {@code memorySteps} are the memory states to draw (0..T), null for the default. */
    public Map<String, Figure> figures(int[] memorySteps) {
        Map<String, Figure> out = new LinkedHashMap<>();
        List<Panel> overview = new ArrayList<>();
        overview.add(inputs());
        overview.add(outputs());
        for (int w = 0; trace.addVectors() != null && w < config.writeHeads(); w++) {
            overview.add(adds(w));
        }
        overview.addAll(weightings());
        out.put("overview.png", new Figure(title, overview));
        out.put("sequence.png", new Figure(title, List.of(inputs(), targets(), outputs())));
        out.put(WEIGHTINGS, new Figure(title, weightings()));
        if (trace.addVectors() != null) {
            List<Panel> writes = new ArrayList<>();
            for (int w = 0; w < config.writeHeads(); w++) {
                writes.add(adds(w));
                writes.add(erases(w));
            }
            out.put("writes.png", new Figure(title, writes));
        }
        if (trace.memory() != null) {
            List<Panel> memory = new ArrayList<>();
            for (int t : memorySteps != null ? memorySteps : new int[] {steps / 2, steps}) {
                memory.add(memory(t));
            }
            out.put("memory.png", new Figure(title, memory));
        }
        return out;
    }

    /** Writes every figure into {@code dir}; returns the files. */
    public List<Path> writeAll(Path dir, int[] memorySteps) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Map.Entry<String, Figure> e : figures(memorySteps).entrySet()) {
            Path file = dir.resolve(e.getKey());
            e.getValue().writePng(file);
            files.add(file);
        }
        return files;
    }

    private HeatmapPanel inputs() {
        return overTime("inputs", "input", trace.inputs(), config.inputSize(), 0, 1, 10);
    }

    private HeatmapPanel targets() {
        return overTime("targets", "target", trace.targets(), config.outputSize(), 0, 1, 10);
    }

    private HeatmapPanel outputs() {
        float[] p = new float[trace.logits().length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (1 / (1 + Math.exp(-trace.logits()[i])));
        }
        return overTime("outputs (sigmoid of the logits)", "output", p, config.outputSize(), 0, 1, 10);
    }

    private HeatmapPanel adds(int head) {
        return overTime("adds a_t, write head " + head, "element", slice(trace.addVectors(), config.writeHeads(),
                head, config.memoryWidth()), config.memoryWidth(), -1, 1, clamp(160 / config.memoryWidth(), 3, 8));
    }

    private HeatmapPanel erases(int head) {
        return overTime("erases e_t, write head " + head, "element", slice(trace.eraseVectors(), config.writeHeads(),
                head, config.memoryWidth()), config.memoryWidth(), 0, 1, clamp(160 / config.memoryWidth(), 3, 8));
    }

    private List<Panel> weightings() {
        List<Panel> out = new ArrayList<>();
        for (int w = 0; w < config.writeHeads(); w++) {
            out.add(weighting("write weighting, head " + w, trace.writeWeights(), config.writeHeads(), w));
        }
        for (int r = 0; r < config.readHeads(); r++) {
            out.add(weighting("read weighting, head " + r, trace.readWeights(), config.readHeads(), r));
        }
        return out;
    }

    private HeatmapPanel weighting(String name, float[] all, int heads, int head) {
        int n = config.memoryRows();
        float[] v = new float[rows.count() * steps];
        for (int i = 0; i < rows.count(); i++) {
            for (int t = 0; t < steps; t++) {
                v[i * steps + t] = all[(t * heads + head) * n + rows.row(i)];
            }
        }
        return new HeatmapPanel(name, "time step", "memory " + rows.describe(), v, rows.count(), steps, 0, 1,
                i -> Integer.toString(rows.row(i)), Integer::toString, cellWidth, clamp(200 / rows.count(), 2, 10));
    }

    private HeatmapPanel memory(int t) {
        if (t < 0 || t > steps) {
            throw new IllegalArgumentException("memory steps must be in 0.." + steps + " (M_0 to M_T), got " + t);
        }
        int m = config.memoryWidth();
        int n = config.memoryRows();
        float[] v = new float[rows.count() * m];
        double largest = 1e-6;
        for (int i = 0; i < rows.count(); i++) {
            for (int j = 0; j < m; j++) {
                float x = trace.memory()[(t * n + rows.row(i)) * m + j];
                v[i * m + j] = x;
                largest = Math.max(largest, Math.abs(x));
            }
        }
        return new HeatmapPanel("memory M_" + t + (t == 0 ? " (initial)" : " (after step " + (t - 1) + ")"),
                "column", "memory " + rows.describe(), v, rows.count(), m, -largest, largest,
                i -> Integer.toString(rows.row(i)), Integer::toString, clamp(240 / m, 4, 12),
                clamp(240 / rows.count(), 2, 8));
    }

    /** A [size] vector per time step, drawn as size rows by T columns. */
    private HeatmapPanel overTime(String name, String what, float[] stepMajor, int size, double min, double max,
                                  int cellHeight) {
        float[] v = new float[size * steps];
        for (int t = 0; t < steps; t++) {
            for (int j = 0; j < size; j++) {
                v[j * steps + t] = stepMajor[t * size + j];
            }
        }
        return new HeatmapPanel(name, "time step", what, v, size, steps, min, max, Integer::toString,
                Integer::toString, cellWidth, cellHeight);
    }

    /** Head {@code head}'s [T, width] slice of a [T, heads, width] array. */
    private float[] slice(float[] all, int heads, int head, int width) {
        float[] out = new float[steps * width];
        for (int t = 0; t < steps; t++) {
            System.arraycopy(all, (t * heads + head) * width, out, t * width, width);
        }
        return out;
    }

    /** Masked output bits the trace's logits get wrong (a logit above 0 predicts 1, as the engine counts). */
    public static long bitErrors(TraceFile.Trace t) {
        int y = t.config().outputSize();
        long errors = 0;
        for (int s = 0; s < t.steps(); s++) {
            if (t.mask()[s] == 0) {
                continue;
            }
            for (int j = 0; j < y; j++) {
                if ((t.logits()[s * y + j] > 0) != (t.targets()[s * y + j] > 0.5f)) {
                    errors++;
                }
            }
        }
        return errors;
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
