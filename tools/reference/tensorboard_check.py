"""Independent check of a hubtune run's TensorBoard events: opens RUN/tensorboard with TensorBoard's
own reader (tensorboard.backend.event_processing.EventAccumulator, the code behind
`tensorboard --logdir`) and prints every scalar tag with its steps and last value. Not needed by
tests; the Java read-back is finetune's TensorBoardWriterTest, RunReportTest and ResumeTest.

Run: python tensorboard_check.py RUN [--require train/loss,eval/eval_loss]
Exits 1 when a required tag is missing or a tag has a step twice.
"""
import argparse
import os
import sys

from tensorboard.backend.event_processing import event_accumulator


def main():
    p = argparse.ArgumentParser()
    p.add_argument("run", help="a hubtune run directory (its --output), or a tensorboard directory")
    p.add_argument("--require", default="train/loss,train/learning_rate,train/grad_norm")
    a = p.parse_args()
    logdir = os.path.join(a.run, "tensorboard")
    if not os.path.isdir(logdir):
        logdir = a.run
    files = sorted(f for f in os.listdir(logdir) if f.startswith("events.out.tfevents."))
    print(f"{logdir}: {len(files)} events file(s)")
    # Files one by one, then together: the accumulator merges a directory's files like TensorBoard.
    acc = event_accumulator.EventAccumulator(logdir, size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()
    ok = True
    tags = acc.Tags()["scalars"]
    for tag in sorted(tags):
        events = acc.Scalars(tag)
        steps = [e.step for e in events]
        dup = len(steps) != len(set(steps))
        ok &= not dup
        shown = steps if len(steps) <= 8 else steps[:4] + ["…"] + steps[-3:]
        print(f"{tag:40s} {len(steps):4d} points, steps {shown}, last {events[-1].value:.6g}"
              + ("  DUPLICATE STEPS" if dup else ""))
    for tag in filter(None, a.require.split(",")):
        if tag not in tags:
            print(f"missing tag {tag}")
            ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
