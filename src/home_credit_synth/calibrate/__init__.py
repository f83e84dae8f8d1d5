"""Maintainer tools that (re)compute the generator's parameter files from statistics of real data.

Not used at generation time: the generator only reads the files they write
(``home_credit_synth/params/*.json``, loaded by :mod:`home_credit_synth.parameters`). See the
package README for how to recalibrate.
"""
