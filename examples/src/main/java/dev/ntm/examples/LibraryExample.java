package dev.ntm.examples;

// README:begin
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.api.NtmModel;
import dev.ntm.engine.api.NtmSession;
import dev.ntm.engine.task.CopyTask;
import dev.ntm.engine.train.Trainer;
import dev.ntm.engine.train.TrainerOptions;
import dev.ntm.engine.train.TrainingListener;
import dev.ntm.kernels.KernelProvider;
// README:end
import java.util.Locale;

/**
 * ntm as a library: train a model of the copy task from code and save it; load a checkpoint and
 * step a session through one sequence. The README's library section is the text between the
 * README markers (the tests keep the two identical).
 *
 * <p>Usage ({@code java [--add-modules=jdk.incubator.vector] -cp ... dev.ntm.examples.LibraryExample}):
 * {@code train DIR SEQUENCES} trains on SEQUENCES sequences and writes {@code DIR/copy.safetensors};
 * {@code step CHECKPOINT} prints the outputs of one copy sequence, one line per output step.
 */
public final class LibraryExample {

    private LibraryExample() {
    }

    /**
     * Runs {@code train DIR SEQUENCES} or {@code step CHECKPOINT}.
     *
     * @param args the command and its arguments
     * @throws IOException if the checkpoint cannot be written or read
     */
    public static void main(String[] args) throws IOException {
        if (args.length == 3 && args[0].equals("train")) {
            long sequences;
            try {
                sequences = Long.parseLong(args[2]);
            } catch (NumberFormatException e) {
                System.err.println("SEQUENCES must be a whole number, got '" + args[2] + "'");
                System.exit(2);
                return;
            }
            System.out.println("saved " + train(Path.of(args[1]), sequences));
        } else if (args.length == 2 && args[0].equals("step")) {
            float[][] outputs = copyOneSequence(Path.of(args[1]));
            for (int t = 0; t < outputs.length; t++) {
                StringBuilder line = new StringBuilder("output step " + t + ":");
                for (float p : outputs[t]) {
                    line.append(String.format(Locale.ROOT, " %.6f", p));
                }
                System.out.println(line);
            }
        } else {
            System.err.println("usage: LibraryExample train DIR SEQUENCES | step CHECKPOINT");
            System.exit(2);
        }
    }

    // README:begin
    /** Trains the copy task from code with ntm train's recipe and saves the trained model. */
    static Path train(Path dir, long sequences) throws IOException {
        CopyTask task = new CopyTask();
        TrainerOptions options = TrainerOptions.defaultsFor(task).withSeed(7).withMaxSequences(sequences);
        NtmConfig config = TrainerOptions.recipeConfig(task, NtmConfig.copyTask());  // the paper's, learned memory
        try (Trainer trainer = new Trainer(config, task, options, KernelProvider.get())) {
            Trainer.Summary summary = trainer.train(new TrainingListener() { });  // or override batch(), evaluation()
            System.out.printf("trained on %d sequences: %.4f bit errors per sequence, solved %b%n",
                    summary.sequences(), summary.lastEvaluation().bitErrorsPerSequence(), summary.solved());
            NtmModel model = NtmModel.of(trainer.config(), trainer.parameterArray());
            Path file = dir.resolve("copy.safetensors");
            model.save(file);                                // atomic: temporary file, sync, rename
            return file;
        }
    }

    /** Loads a checkpoint and copies the sequence 10000000, 01000000, 00100000 through it. */
    static float[][] copyOneSequence(Path checkpoint) throws IOException {
        NtmModel model = NtmModel.load(checkpoint);          // immutable, thread-safe
        model.warmUp(Duration.ofSeconds(2));                 // once, before traffic: lets C2 compile the kernels
        NtmSession session = model.newSession();             // one per caller: holds the recurrent state
        float[] in = new float[model.config().inputSize()];  // 8 bits and the delimiter channel
        float[] out = new float[model.config().outputSize()];
        for (int t = 0; t < 3; t++) {                        // present three vectors
            Arrays.fill(in, 0f);
            in[t] = 1f;
            session.step(in, out);                           // out = sigmoid of the logits; allocates nothing
        }
        Arrays.fill(in, 0f);
        in[8] = 1f;                                          // the delimiter
        session.step(in, out);
        in[8] = 0f;
        float[][] copied = new float[3][];
        for (int t = 0; t < 3; t++) {                        // the machine writes the vectors back
            session.step(in, out);
            copied[t] = out.clone();
        }
        session.reset();                                     // back to the learned initial state
        return copied;
    }
    // README:end
}
