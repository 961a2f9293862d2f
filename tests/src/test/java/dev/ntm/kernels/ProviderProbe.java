package dev.ntm.kernels;

/**
 * Run in a child JVM by {@link KernelProviderTest}: prints the chosen kernels as
 * {@code "name bits"} on stdout, or {@code "error: message"} and exit status 2 on a bad setting.
 */
public final class ProviderProbe {

    private ProviderProbe() {
    }

    public static void main(String[] args) {
        try {
            Kernels k = KernelProvider.get();
            System.out.println(k.name() + " " + k.vectorBits());
        } catch (IllegalArgumentException e) {
            System.out.println("error: " + e.getMessage());
            System.exit(2);
        }
    }
}
