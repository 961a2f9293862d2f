package dev.ntm.engine.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * The learning curve as CSV, one row per evaluation: a resumed run appends to the same file
 * (its elapsed_s counts from the resume).
 * Columns: sequences, elapsed_s, train_cost_bits, train_bit_errors, eval_cost_bits,
 * eval_bit_errors, solved, max_length (the largest length of the range trained and evaluated on
 * since the last row, which a curriculum widens; empty for tasks without a length).
 */
final class LearningCurve implements AutoCloseable {
    static final String HEADER = "sequences,elapsed_s,train_cost_bits,train_bit_errors,eval_cost_bits,eval_bit_errors,solved,max_length";

    private final BufferedWriter out;

    private LearningCurve(BufferedWriter out) {
        this.out = out;
    }

    static LearningCurve open(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        boolean fresh = !Files.exists(file) || Files.size(file) == 0;
        BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (fresh) {
            w.write(HEADER);
            w.newLine();
        }
        return new LearningCurve(w);
    }

    /** Appends one evaluation; {@code maxLength} is 0 for a task without a length. */
    void append(TrainingListener.Progress p, int maxLength) throws IOException {
        out.write(String.format(Locale.ROOT, "%d,%.3f,%.6f,%.6f,%.6f,%.6f,%b,%s", p.sequences(), p.elapsedSeconds(),
                p.trainCostBits(), p.trainBitErrors(), p.eval().costBits(), p.eval().bitErrorsPerSequence(),
                p.solved(), maxLength > 0 ? Integer.toString(maxLength) : ""));
        out.newLine();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
