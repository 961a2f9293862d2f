package dev.ntm.cli.viz;

import java.awt.Graphics2D;
import java.awt.Point;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

/** Panels stacked top to bottom under a title, drawn onto a white image and saved as PNG. */
public final class Figure {

    private static final int MARGIN = 10;
    private static final int TITLE_HEIGHT = 26;
    private static final int GAP = 6;

    private final String title;
    private final List<Panel> panels;

    /** A figure of {@code panels} (at least one) under {@code title}. */
    public Figure(String title, List<? extends Panel> panels) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("a figure needs at least one panel");
        }
        this.title = title;
        this.panels = List.copyOf(panels);
    }

    /** The title. */
    public String title() {
        return title;
    }

    /** The panels, top first. */
    public List<Panel> panels() {
        return panels;
    }

    /** Top-left corner of panel {@code i} in the image. */
    public Point origin(int i) {
        int y = MARGIN + TITLE_HEIGHT;
        for (int k = 0; k < i; k++) {
            y += panels.get(k).height() + GAP;
        }
        return new Point(MARGIN, y);
    }

    /** Image width in pixels. */
    public int width() {
        int w = 0;
        for (Panel p : panels) {
            w = Math.max(w, p.width());
        }
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scratch.createGraphics();
        int titleWidth = g.getFontMetrics(Style.FIGURE_TITLE).stringWidth(title);
        g.dispose();
        return Math.max(Math.max(w, titleWidth), 200) + 2 * MARGIN;
    }

    /** Image height in pixels. */
    public int height() {
        Point last = origin(panels.size() - 1);
        return last.y + panels.getLast().height() + MARGIN;
    }

    /** Cell (row, col) of heatmap panel {@code i}, in image pixels. */
    public Rectangle cell(int i, int row, int col) {
        Rectangle r = ((HeatmapPanel) panels.get(i)).cell(row, col);
        Point o = origin(i);
        r.translate(o.x, o.y);
        return r;
    }

    /** Draws the figure. */
    public BufferedImage render() {
        BufferedImage img = new BufferedImage(width(), height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Style.BACKGROUND);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.setColor(Style.INK);
            g.setFont(Style.FIGURE_TITLE);
            Style.text(g, title, MARGIN, MARGIN + 15);
            for (int i = 0; i < panels.size(); i++) {
                Point o = origin(i);
                panels.get(i).draw(g, o.x, o.y);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Draws the figure and writes it to {@code file} as PNG (through a temporary file, so a reader never sees half). */
    public void writePng(Path file) throws IOException {
        BufferedImage img = render();
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            if (!ImageIO.write(img, "png", tmp.toFile())) {
                throw new IOException("no PNG writer in this JDK");
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
