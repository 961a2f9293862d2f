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
 * The learning curve as CSV, one row per evaluation: a resumed run appends to the same file
 * (its elapsed_s counts from the resume).
 * Columns: sequences, elapsed_s, train_cost_bits, train_bit_errors, eval_cost_bits,
 * eval_bit_errors, solved, max_length (the largest length of the range trained and evaluated on
 * since the last row, which a curriculum widens; empty for tasks without a length), eval_sequences
 * (how many fresh sequences the evaluation used: the full evaluation size, or a short probe while
 * the model is clearly not solved).
 */
final class LearningCurve implements AutoCloseable {
    static final String HEADER = "sequences,elapsed_s,train_cost_bits,train_bit_errors,eval_cost_bits,eval_bit_errors,solved,max_length,eval_sequences";

    private final BufferedWriter out;

    private LearningCurve(BufferedWriter out) {
        this.out = out;
    }

    static LearningCurve open(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        boolean fresh = !Files.exists(file) || Files.size(file) == 0;
        if (!fresh) {
            upgrade(file);
        }
        BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (fresh) {
            w.write(HEADER);
            w.newLine();
        }
        return new LearningCurve(w);
    }

    /**
     * A curve written before the last columns were added gets them, empty, so that the rows a
     * resumed run appends match the header; any other header is refused rather than mixed.
     */
    private static void upgrade(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String header = lines.getFirst();
        if (header.equals(HEADER)) {
            return;
        }
        if (!HEADER.startsWith(header + ",")) {
            throw new IOException(file + " has the columns '" + header + "', not those of a learning curve ('" + HEADER
                    + "'); move it away or choose another --out");
        }
        String padding = ",".repeat(HEADER.split(",").length - header.split(",").length);
        List<String> upgraded = new ArrayList<>(lines.size());
        upgraded.add(HEADER);
        for (String line : lines.subList(1, lines.size())) {
            upgraded.add(line.isEmpty() ? line : line + padding);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, upgraded, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
