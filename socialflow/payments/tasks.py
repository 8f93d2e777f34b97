SWEEP_TASK = "socialflow.payments.sweep"
