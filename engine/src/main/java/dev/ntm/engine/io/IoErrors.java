package dev.ntm.engine.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Input/output errors as one line that names the file and the reason. The JDK's
 * {@code NoSuchFileException} and {@code AccessDeniedException} carry only the path as their
 * message, and a plain {@code IOException} from a read often only the reason ("Is a directory").
 */
public final class IoErrors {

    private IoErrors() {
    }

    /** "path: reason" for any I/O error; other messages are kept as they are (ours name the file already). */
    public static String describe(IOException e) {
        if (e instanceof FileSystemException fs && fs.getFile() != null) {
            String reason = fs.getReason() != null ? fs.getReason() : switch (fs) {
                case NoSuchFileException x -> "no such file or directory";
                case AccessDeniedException x -> "permission denied";
                case FileAlreadyExistsException x -> "already exists";
                case DirectoryNotEmptyException x -> "directory not empty";
                case NotDirectoryException x -> "not a directory";
                default -> fs.getClass().getSimpleName();
            };
            String other = fs.getOtherFile() != null ? " -> " + fs.getOtherFile() : "";
            return fs.getFile() + other + ": " + lowerFirst(reason);
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /**
     * Checks that {@code path} can be read as a file before opening it: missing, a directory, a
     * pipe or device (which would block or never end) and unreadable files are refused with
     * "path: reason".
     */
    public static void requireReadableFile(Path path, String what) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such file (expected " + what + ")");
        }
        if (Files.isDirectory(path)) {
            throw new FileSystemException(path.toString(), null, "is a directory, not " + what);
        }
        if (!Files.isRegularFile(path)) {
            throw new FileSystemException(path.toString(), null, "not a regular file (a pipe, socket or device), "
                    + "expected " + what);
        }
        if (!Files.isReadable(path)) {
            throw new AccessDeniedException(path.toString(), null, "permission denied");
        }
    }

    private static String lowerFirst(String s) {
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
