package dev.ntm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import picocli.CommandLine.IVersionProvider;

/** {@code --version} of every command: the build's version (from the pom, filtered into a resource) and the JDK. */
final class VersionProvider implements IVersionProvider {

    /** The project version, or "unknown" when the resource is missing (a build without resource filtering). */
    static String version() {
        try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"ntm " + version(), "JDK " + Runtime.version() + " (" + System.getProperty("java.home") + ")"};
    }
}
