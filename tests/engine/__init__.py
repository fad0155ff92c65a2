"""Unit tests of pt2ts's embedded Python modules (tool/engine/python), run in
the test's own interpreter with the on-disk sources installed as the _pt2ts
package the way the engine installs them (pt2ts_engine.py)."""
