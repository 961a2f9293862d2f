package dev.ntm.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.ntm.engine.io.Checkpoint;
import dev.ntm.engine.io.Safetensors;

/**
 * What an output option may replace. A checkpoint never (it holds a trained model: trace and
 * eval have no business replacing it); a file of the kind the command writes, yes (running the
 * command again); any other existing file only with {@code --overwrite}; a directory, pipe or
 * device never.
 */
final class OutputGuard {

    private OutputGuard() {
    }

    /**
     * Throws {@link IllegalArgumentException} unless {@code target} may be written.
     *
     * @param option    the option that named it, for the message
     * @param ownFormat the safetensors format the command writes (replacing one is a re-run), or null
     * @param overwrite whether --overwrite was given
     */
    static void check(Path target, String option, String ownFormat, boolean overwrite) {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isRegularFile(target)) {
            throw new IllegalArgumentException(option + " " + target + " is " + (Files.isDirectory(target)
                    ? "a directory" : "not a regular file (a pipe, socket or device)") + "; expected a file name");
        }
        String format = formatOf(target);
        if (Checkpoint.FORMAT.equals(format)) {
            throw new IllegalArgumentException(option + " " + target + " is a checkpoint, which this command never "
                    + "replaces; choose another file name");
        }
        if (ownFormat != null && ownFormat.equals(format)) {
            return;
        }
        if (!overwrite) {
            throw new IllegalArgumentException(option + " " + target + " already exists; pass --overwrite to replace it "
                    + "or choose another file name");
        }
    }

    /** The safetensors format of {@code file}, or null when it is not a safetensors file of ours. */
    private static String formatOf(Path file) {
        try {
            return Safetensors.readMetadata(file).get("format");
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }
}
