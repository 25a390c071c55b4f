# The student server image for Kubernetes (deploy/jupyterhub/values.yaml): the same Python
# environment as the local hub's (requirements-runtime.lock, CPU torch), the quantum kernel and the
# student Jupyter config from sandbox/hub/jupyter/ (default kernel "Python 3 (Quantum: Qiskit Aer ·
# PyTorch · Stim)", nbgrader's instructor panels off). Its jupyterhub is the lock's, the same version
# as the chart's hub image (tests/deploy/test_kubernetes.py). Built from the repository root:
#   docker build -f deploy/images/singleuser.Dockerfile -t registry.lab.example.edu/liangzhi/singleuser:2026.11 .
# GPU variant: --build-arg PYTHON_IMAGE=<a CUDA image with Python 3.11> --build-arg AER=qiskit-aer-gpu
#   --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128 -t .../singleuser-gpu:2026.11
# `make prove-images` runs every RUN step in a clean Debian bookworm root filesystem.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}
ARG AER=qiskit-aer
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 1000 --gid 100 --shell /bin/bash jovyan
COPY requirements-runtime.lock /tmp/requirements-runtime.lock
RUN pip install --no-cache-dir --index-url "$TORCH_INDEX_URL" "$(grep '^torch==' /tmp/requirements-runtime.lock)" \
 && pip install --no-cache-dir -r /tmp/requirements-runtime.lock \
 && if [ "$AER" != "qiskit-aer" ]; then pip uninstall -y qiskit-aer && pip install --no-cache-dir "$AER"; fi \
 && pip check \
 && rm /tmp/requirements-runtime.lock
COPY sandbox/hub/jupyter /opt/liangzhi/jupyter
COPY grading/kernel_lib /opt/liangzhi/kernel_lib
RUN echo /opt/liangzhi/kernel_lib > "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/liangzhi-kernel-lib.pth" \
 && JUPYTER_PATH=/opt/liangzhi/jupyter/share/jupyter jupyter kernelspec list \
 && python -c "import torch, qiskit, qiskit_aer, stim, pymatching, liangzhi_checks; assert not torch.cuda.is_available()"
ENV JUPYTER_PATH=/opt/liangzhi/jupyter/share/jupyter \
    JUPYTER_CONFIG_PATH=/opt/liangzhi/jupyter/etc/jupyter \
    PYTHONPATH=/opt/liangzhi/jupyter/python
USER 1000
WORKDIR /home/jovyan
CMD ["jupyterhub-singleuser"]
