package dev.ntm.cli.viz;

import java.awt.Graphics2D;

/** One part of a {@link Figure}: knows its size and draws itself with its top-left corner at (x, y). */
public interface Panel {

    /** Width in pixels. */
    int width();

    /** Height in pixels. */
    int height();

    /** Draws the panel with its top-left corner at ({@code x}, {@code y}). */
    void draw(Graphics2D g, int x, int y);
}
