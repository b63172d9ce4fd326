//! Figures (plotters; SVG and PNG), always written next to the data they show.
