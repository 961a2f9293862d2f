package dev.ntm.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.ntm.cli.viz.Curve;
import dev.ntm.cli.viz.CurvePlot;
import dev.ntm.cli.viz.TraceFigures;
import dev.ntm.engine.io.TraceFile;
import dev.ntm.engine.task.Task;
import dev.ntm.engine.task.VariableLengthTask;
import dev.ntm.engine.train.Trainer;
import dev.ntm.engine.train.TrainingListener;

/**
 * The pictures of a training run, beside its checkpoint and curve.csv: {@code curve.png},
 * redrawn after every evaluation, and at the end the heatmaps of the final model on one sequence
 * of the training length and one far longer, and {@code report.html} that shows them with the
 * summary. Drawing never stops training: a failure is reported once on standard error.
 */
final class RunArtifacts implements TrainingListener {

    static final String CURVE_CSV = "curve.csv";
    static final String CURVE_PNG = "curve.png";
    static final String REPORT = "report.html";
    /** Seed of the sequences the report traces. */
    static final long TRACE_SEED = 1;

    private final Path dir;
    private final double solvedBitErrors;
    private final PrintStream err;
    private boolean warned;

    RunArtifacts(Path dir, double solvedBitErrors, PrintStream err) {
        this.dir = dir;
        this.solvedBitErrors = solvedBitErrors;
        this.err = err;
    }

    @Override
    public void evaluation(Trainer trainer, TrainingListener.Progress progress) {
        drawCurve();
    }

    /** Redraws curve.png from curve.csv. */
    void drawCurve() {
        try {
            Curve c = Curve.read(dir.resolve(CURVE_CSV), String.valueOf(dir.toAbsolutePath().getFileName()));
            if (!c.points().isEmpty()) {
                CurvePlot.of(List.of(c), solvedBitErrors).writePng(dir.resolve(CURVE_PNG));
            }
        } catch (IOException | RuntimeException | Error e) { // AWTError: a JDK without fonts or graphics
            warn(CURVE_PNG, e);
        }
    }

    /**
     * The final pictures and the report: the curve, then the final model traced on a sequence of
     * the training length and on one far longer (generalisation at a glance).
     */
    void finish(Trainer trainer, List<String> summary) {
        drawCurve();
        List<Section> sections = new ArrayList<>();
        float[] params = trainer.parameterArray();
        for (Map.Entry<String, Task> e : sequences(trainer).entrySet()) {
            try {
                Path sub = dir.resolve("viz").resolve(e.getKey());
                TraceFile.Trace trace = SequenceTracer.trace(trainer.config(), params, e.getValue(), TRACE_SEED, true,
                        Map.of("task", e.getValue().name()));
                TraceFigures figures = new TraceFigures(trace, "final model, " + e.getValue().name() + " " + e.getKey()
                        + " (" + trace.steps() + " steps)");
                List<Path> files = figures.writeAll(sub, null);
                sections.add(new Section(e.getKey(), figures.bitErrors(), files));
            } catch (IOException | RuntimeException | Error ex) {
                warn("the heatmaps at " + e.getKey(), ex);
            }
        }
        try {
            writeReport(trainer, summary, sections);
        } catch (IOException e) {
            warn(REPORT, e);
        }
    }

    /** The sequences to trace by name: the training length and a far longer one, or the task's own. */
    private static Map<String, Task> sequences(Trainer trainer) {
        if (!(trainer.task() instanceof VariableLengthTask v)) {
            return Map.of("sequence", trainer.task());
        }
        int train = v.maxLength();
        int far = Math.max(train + 1, Math.min(5 * train, trainer.config().memoryRows() - 8));
        Map<String, Task> out = new java.util.LinkedHashMap<>();
        out.put("length-" + train, TaskOptions.ofLength(v, train));
        out.put("length-" + far, TaskOptions.ofLength(v, far));
        return out;
    }

    private record Section(String name, long bitErrors, List<Path> files) {
    }

    private void writeReport(Trainer trainer, List<String> summary, List<Section> sections) throws IOException {
        StringBuilder h = new StringBuilder();
        String title = "ntm run: " + trainer.task().name() + ", " + dir.toAbsolutePath().getFileName();
        h.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(html(title))
                .append("</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
                        + "img{max-width:100%;border:1px solid #ddd}pre{background:#f6f6f6;padding:1em}</style>"
                        + "</head><body>\n");
        h.append("<h1>").append(html(title)).append("</h1>\n");
        h.append("<p>").append(html(trainer.task().describe())).append("<br>").append(html(trainer.config().toString()))
                .append("</p>\n");
        h.append("<h2>Summary</h2>\n<pre>").append(html(String.join("\n", summary))).append("</pre>\n");
        h.append("<p>Files: <a href=\"checkpoint.safetensors\">checkpoint.safetensors</a>, <a href=\"")
                .append(CURVE_CSV).append("\">").append(CURVE_CSV).append("</a></p>\n");
        h.append("<h2>Learning curve</h2>\n<img src=\"").append(CURVE_PNG).append("\" alt=\"learning curve\">\n");
        h.append("<h2>The final model at work</h2>\n<p>One sequence (seed ").append(TRACE_SEED)
                .append(") of the training length and, where the task has a length, one far longer: "
                        + "generalisation at a glance. Redraw with <code>ntm viz --checkpoint ")
                .append(html(dir.resolve(Trainer.CHECKPOINT_FILE).toString())).append(" --task ")
                .append(html(trainer.task().name())).append(" --length L</code>.</p>\n");
        for (Section s : sections) {
            h.append("<h3>").append(html(s.name())).append(": ").append(s.bitErrors()).append(" bit error")
                    .append(s.bitErrors() == 1 ? "" : "s").append("</h3>\n");
            Path base = dir.toAbsolutePath();
            for (Path f : s.files()) {
                String rel = base.relativize(f.toAbsolutePath()).toString().replace('\\', '/');
                if (f.getFileName().toString().equals("overview.png")) {
                    h.append("<p><img src=\"").append(rel).append("\" alt=\"").append(html(s.name())).append("\"></p>\n");
                }
            }
            h.append("<p>");
            for (Path f : s.files()) {
                String rel = base.relativize(f.toAbsolutePath()).toString().replace('\\', '/');
                h.append("<a href=\"").append(rel).append("\">").append(html(f.getFileName().toString())).append("</a> ");
            }
            h.append("</p>\n");
        }
        h.append("</body></html>\n");
        Path tmp = dir.resolve(REPORT + ".tmp");
        Files.writeString(tmp, h, StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(REPORT), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private void warn(String what, Throwable e) {
        if (!warned) {
            err.println("ntm train: could not draw " + what + " (training goes on): " + e);
            warned = true;
        }
    }
}
