"""The instructor's side: exercise templates drawn into one variant per student (:mod:`.variants`,
:mod:`.exercise`) and self-checking practice pages (:mod:`.practice_page`). Reading and grading
answers is :mod:`symconv.answers`; exports to course platforms are :mod:`symconv.export`."""
