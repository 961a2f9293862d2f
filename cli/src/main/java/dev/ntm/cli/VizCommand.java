package dev.ntm.cli;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.ntm.cli.viz.Curve;
import dev.ntm.cli.viz.CurvePlot;
import dev.ntm.cli.viz.TraceFigures;
import dev.ntm.engine.io.Checkpoint;
import dev.ntm.engine.io.TraceFile;
import dev.ntm.engine.task.Task;
import dev.ntm.engine.train.TrainerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ntm viz}: PNG heatmaps of a traced sequence (from a trace file, or traced on the fly from
 * a checkpoint), or learning curves of one or more runs.
 */
@Command(name = "viz", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draw what a model did, as PNG heatmaps in the manner of the NTM paper's Fig. 6 (inputs, "
                + "targets, outputs, adds and erases, write and read weightings over time, memory), or learning "
                + "curves.",
                "  ntm viz TRACE.safetensors --out DIR",
                "  ntm viz --checkpoint CK --task copy --length 20 --out DIR",
                "  ntm viz --curve RUN_DIR [--curve RUN_DIR2 ...] [--out FILE.png]"})
final class VizCommand implements Callable<Integer> {

    @Parameters(arity = "0..1", paramLabel = "TRACE", description = "A trace written by ntm trace.")
    Path trace;

    @Option(names = "--checkpoint", description = "Trace this model on the fly instead of reading a trace.")
    Path checkpoint;

    @Mixin
    TaskOptions taskOptions;

    @Option(names = "--length", description = "With --checkpoint: sequence length (default: drawn from the task's range).")
    Integer length;

    @Option(names = "--seed", defaultValue = "1", description = "With --checkpoint: seed of the sequence (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--curve", paramLabel = "RUN_DIR", description = "Draw the learning curve of a run (its folder "
            + "or its curve.csv); repeat to overlay several runs.")
    List<Path> curves;

    @Option(names = "--memory-steps", split = ",", paramLabel = "T", description = "Memory states to draw, 0..T "
            + "(M_0 is the initial memory; default: the middle and the last).")
    int[] memorySteps;

    @Option(names = "--out", description = "Folder of the heatmaps (default: viz), or with --curve the PNG file "
            + "(default: RUN_DIR/curve.png for one run, curves.png for several).")
    Path out;

    @Override
    public Integer call() throws Exception {
        int sources = (trace != null ? 1 : 0) + (checkpoint != null ? 1 : 0) + (curves != null ? 1 : 0);
        if (sources != 1) {
            throw new IllegalArgumentException("give exactly one of TRACE, --checkpoint or --curve (see ntm help viz)");
        }
        if (curves != null) {
            return drawCurves();
        }
        TraceFile.Trace t;
        String about;
        if (trace != null) {
            t = TraceFile.read(trace);
            about = describe(t.meta(), t.steps()) + " (" + trace.getFileName() + ")";
        } else {
            Checkpoint.Loaded ck = Checkpoint.load(checkpoint);
            Task task = length != null ? taskOptions.taskOfLength(length) : taskOptions.task();
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("task", task.name());
            meta.put("model", checkpoint.toString());
            if (length != null) {
                meta.put("length", Integer.toString(length));
            }
            t = SequenceTracer.trace(ck.config(), ck.params(), task, seed, true, meta);
            about = describe(meta, t.steps());
        }
        Path dir = out != null ? out : Path.of("viz");
        TraceFigures figures = new TraceFigures(t, about);
        for (Path f : figures.writeAll(dir, memorySteps)) {
            System.out.println("wrote " + f);
        }
        System.out.println("memory " + figures.rows().describe() + " shown; " + figures.bitErrors() + " bit errors");
        return ExitCodes.OK;
    }

    /** "runs/x/checkpoint.safetensors, copy length 20, 41 steps" from a trace's metadata. */
    static String describe(Map<String, String> meta, int steps) {
        StringBuilder sb = new StringBuilder(meta.getOrDefault("model", "model"));
        sb.append(", ").append(meta.getOrDefault("task", "task"));
        if (meta.containsKey("length")) {
            sb.append(" length ").append(meta.get("length"));
        }
        return sb.append(", ").append(steps).append(" steps").toString();
    }

    private int drawCurves() throws Exception {
        List<Curve> read = new ArrayList<>();
        for (Path p : curves) {
            Path file = Files.isDirectory(p) ? p.resolve(RunArtifacts.CURVE_CSV) : p;
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(file + " (expected a run folder holding curve.csv, or a curve.csv)");
            }
            Path runDir = file.toAbsolutePath().getParent();
            read.add(Curve.read(file, String.valueOf(runDir.getFileName())));
        }
        Path file = out != null ? out
                : curves.size() == 1 ? curveDir(curves.getFirst()).resolve(RunArtifacts.CURVE_PNG) : Path.of("curves.png");
        CurvePlot.of(read, TrainerOptions.defaults().solvedBitErrors()).writePng(file);
        System.out.println("wrote " + file);
        return ExitCodes.OK;
    }

    private static Path curveDir(Path p) {
        return Files.isDirectory(p) ? p : p.toAbsolutePath().getParent();
    }
}
