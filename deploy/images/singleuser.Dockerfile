# The student server image for Kubernetes (deploy/jupyterhub/values.yaml): the same Python
# environment as the local hub's, the quantum kernel and the student Jupyter config from
# sandbox/hub/jupyter/ (default kernel "Python 3 (Quantum: Qiskit Aer · PyTorch · Stim)",
# nbgrader's instructor panels off). Build from the repository root:
#   docker build -f deploy/images/singleuser.Dockerfile -t registry.lab.example.edu/liangzhi/singleuser:2026.11 .
# GPU variant: --build-arg AER=qiskit-aer-gpu -t .../singleuser-gpu:2026.11 (on a CUDA base image).
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}
ARG AER=qiskit-aer
RUN useradd --create-home --uid 1000 --gid 100 --shell /usr/sbin/nologin jovyan
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir "$(grep '^torch==' /tmp/requirements.lock)" --index-url https://download.pytorch.org/whl/cpu \
 && pip install --no-cache-dir -r /tmp/requirements.lock \
 && if [ "$AER" != "qiskit-aer" ]; then pip uninstall -y qiskit-aer && pip install --no-cache-dir "$AER"; fi
COPY sandbox/hub/jupyter /opt/liangzhi/jupyter
COPY grading/kernel_lib /opt/liangzhi/kernel_lib
RUN echo /opt/liangzhi/kernel_lib > "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/liangzhi-kernel-lib.pth"
ENV JUPYTER_PATH=/opt/liangzhi/jupyter/share/jupyter \
    JUPYTER_CONFIG_PATH=/opt/liangzhi/jupyter/etc/jupyter \
    PYTHONPATH=/opt/liangzhi/jupyter/python
USER 1000
WORKDIR /home/jovyan
CMD ["jupyterhub-singleuser"]
