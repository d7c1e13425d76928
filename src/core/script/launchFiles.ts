/** The bundle's launch files: accelerate_config.yaml and requirements.txt. */

/** One GPU by default; the comments say what to change for several GPUs and several machines. */
export const ACCELERATE_CONFIG_YAML = `# accelerate launch --config_file accelerate_config.yaml train.py args.json
# Written by Trainer Studio. One process on one GPU (or the CPU, with --cpu), as it stands.
#
# Several GPUs on this machine (e.g. 8): distributed_type: MULTI_GPU and num_processes: 8.
# per_device_train_batch_size is per process, so the batch per step becomes 8x as large:
# divide it (or gradient_accumulation_steps) by 8 to keep the studio's.
#
# Several machines (e.g. 2 with 8 GPUs each): on every machine distributed_type: MULTI_GPU,
# num_machines: 2, num_processes: 16 (all processes of all machines), main_process_ip: the
# address of machine 0, main_process_port: a free port, machine_rank: 0 on the first machine
# and 1 on the second. Start the same command on both; the data and this folder must be on
# both (or on a shared disk).
compute_environment: LOCAL_MACHINE
distributed_type: 'NO'
mixed_precision: 'no'
num_machines: 1
num_processes: 1
machine_rank: 0
main_process_ip: null
main_process_port: null
gpu_ids: all
rdzv_backend: static
same_network: true
use_cpu: false
`;

/** The majors the script was written and tested against (transformers 5, torch 2, accelerate 1). */
export const REQUIREMENTS_TXT = `# pip install -r requirements.txt
transformers>=5.0,<6
torch>=2.4,<3
accelerate>=1.0,<2
safetensors
numpy
# Only to read Parquet files: pandas, pyarrow
`;
