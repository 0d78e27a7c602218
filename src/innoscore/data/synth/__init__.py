"""The synthetic province: realistic input tables generated from a seed.

No real enterprise data can ship with the project, so the demo, the tests and the
benchmarks run on a generated province.  What makes it useful for testing a credit model:

* enterprises founded over decades, with start-up / growth / mature trajectories,
  heavy-tailed revenue and R&D expense, zero-inflated patents, missing values;
* certificates that mostly follow their rules (``features/certifications.yaml``), with noise;
* annual accounts published 4-6 months after year end, so the latest year is not yet known;
* a **latent monthly default hazard** per enterprise that depends non-linearly on its
  situation in the year before (seen by lenders only once published), with interactions, a
  mild business cycle that hits industries differently, and parts that no input table shows (a frailty,
  yearly shocks, latent innovation capacity of which patents are only a noisy trace);
* loans originated month by month from several banks; a loan outstanding when its
  enterprise fails gets ``defaulted_on``.

The true 1-month and 12-month PD of every loan-month goes to a ground-truth folder that
is **not** part of the input folder.  The same seed gives byte-identical files.

Where things are: ``spec`` (what to generate), ``world`` (the shared state and random streams),
``sequence`` (the order of the steps), one module per table or family (``enterprises``, ``accounts``,
``equity``, ``penalties``, ``certifications``, ``ip``, ``projects``, ``insurance``, ``awards``, ``loans``),
``cycle`` and ``risk`` (the business cycle, the hazard and the ground truth), ``writer``.  The numbers
that describe the province's behaviour are in ``synthetic/behaviour.yaml`` (``behaviour``), its
geography, industries, banks and funds in ``synthetic/province.yaml``.
"""

from innoscore.data.synth.behaviour import load_behaviour
from innoscore.data.synth.sequence import generate
from innoscore.data.synth.spec import SynthSpec
from innoscore.data.synth.writer import synthesize, truth_dir_for, write

__all__ = ["SynthSpec", "generate", "write", "synthesize", "truth_dir_for", "load_behaviour"]
