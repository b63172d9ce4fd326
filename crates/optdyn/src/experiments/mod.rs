//! The experiments layer: the seed papers' reproductions ([`reproduce`]), the learning-problem
//! experiments ([`learning`], [`digits`], [`eos`], [`memory`], [`svag`]) and the built-in demo
//! report ([`demo`], with its section on the papers' theorems, [`theorems`]). Each builds on the
//! run engine and the analyses, writes its data and figures, and returns what it measured.

pub mod demo;
pub mod digits;
pub mod eos;
pub mod html;
pub mod learn_files;
pub mod learning;
pub mod memory;
pub mod reproduce;
pub mod svag;
pub mod theorems;
