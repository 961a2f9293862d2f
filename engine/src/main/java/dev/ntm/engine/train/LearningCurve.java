package dev.ntm.engine.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The learning curve as CSV, one row per evaluation. A run that starts keeps the first rows of
 * the curve it continues (none for a fresh run; for a resumed one, those its checkpoint counted)
 * and rewrites the file with them, atomically, so that rows written after the checkpoint (by a
 * run that was killed, or by its unscheduled last evaluation) are dropped: the file of a resumed
 * run equals that of a run that never stopped, except for the wall-time column.
 * Columns: sequences, elapsed_s, train_cost_bits, train_bit_errors, eval_cost_bits,
 * eval_bit_errors, solved, max_length (the largest length of the range trained and evaluated on
 * since the last row, which a curriculum widens; empty for tasks without a length), eval_sequences
 * (how many fresh sequences the evaluation used: the full evaluation size, or a short probe while
 * the model is clearly not solved).
 */
final class LearningCurve implements AutoCloseable {
    /** File name inside the output folder. */
    static final String FILE = "curve.csv";
    static final String HEADER = "sequences,elapsed_s,train_cost_bits,train_bit_errors,eval_cost_bits,eval_bit_errors,solved,max_length,eval_sequences";

    private final BufferedWriter out;

    private LearningCurve(BufferedWriter out) {
        this.out = out;
    }

    /**
     * Opens {@code file} for appending, after rewriting it with the header and the first
     * {@code keepRows} rows of {@code source} (which may be {@code file} itself, or missing). Rows
     * of a curve written before the last columns were added get them, empty; a source with any
     * other header is refused rather than mixed.
     */
    static LearningCurve open(Path file, Path source, long keepRows) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        List<String> kept = new ArrayList<>();
        kept.add(HEADER);
        if (keepRows > 0 && Files.isRegularFile(source)) {
            List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
            String padding = lines.isEmpty() ? "" : padding(source, lines.getFirst());
            for (int i = 1; i < lines.size() && kept.size() <= keepRows; i++) {
                kept.add(lines.get(i).isEmpty() ? lines.get(i) : lines.get(i) + padding);
            }
        }
        Path tmp = parent.resolve(file.getFileName() + ".tmp");
        Files.write(tmp, kept, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        return new LearningCurve(w);
    }

    /** The empty columns that bring rows under {@code header} up to {@link #HEADER}. */
    private static String padding(Path file, String header) throws IOException {
        if (header.equals(HEADER)) {
            return "";
        }
        if (!HEADER.startsWith(header + ",")) {
            throw new IOException(file + " has the columns '" + header + "', not those of a learning curve ('" + HEADER
                    + "'); move it away or choose another --out");
        }
        return ",".repeat(HEADER.split(",").length - header.split(",").length);
    }

    /** Appends one evaluation; {@code maxLength} is 0 for a task without a length. */
    void append(TrainingListener.Progress p, int maxLength) throws IOException {
        out.write(String.format(Locale.ROOT, "%d,%.3f,%.6f,%.6f,%.6f,%.6f,%b,%s,%d", p.sequences(), p.elapsedSeconds(),
                p.trainCostBits(), p.trainBitErrors(), p.eval().costBits(), p.eval().bitErrorsPerSequence(),
                p.solved(), maxLength > 0 ? Integer.toString(maxLength) : "", p.eval().sequences()));
        out.newLine();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
