using Berth.Engine.Images;
using Berth.Engine.Runtime;
using Berth.Engine.Runtime.Shim;
using Microsoft.Extensions.Logging;

namespace Berth.Engine.Containers.Lifecycle;

/// <summary>
/// Wires the container parts, each to the parts below it only (no part calls back up):
/// <code>
/// ContainerBackend (API) ─▶ ContainerService (create, list, rename)
///                        ├▶ StartOperation ─┐   StopOperations ─┐   WaitOperation   AttachOperations
///                        └▶ ContainerRemover ◀──────────────────┼── ExitMonitor ◀──┘ (every run is watched)
///   ContainerRecovery ─▶ ExitMonitor ─▶ RestartManager, RunLauncher ─▶ BundlePreparer
///   ExitRecorder ◀─ ExitMonitor, ContainerSignaller (◀─ StopOperations, ContainerRemover), ContainerRecovery
/// </code>
/// The composition root (berthd's DaemonHost) and the unit tests build the same graph here.
/// </summary>
public sealed class ContainerLifecycle
{
    public ContainerLifecycle(
        EngineOptions options,
        ContainerIndex index,
        IContainerFilesystem filesystem,
        IImageService images,
        IShimLauncher shims,
        IOciRuntime runtime,
        TimeProvider clock,
        ILoggerFactory logging)
    {
        Exits = new ExitRecorder(index, filesystem, logging.CreateLogger<ExitRecorder>());
        var signaller = new ContainerSignaller(Exits, logging.CreateLogger<ContainerSignaller>());
        Remover = new ContainerRemover(index, filesystem, signaller, shims, runtime);
        Launcher = new RunLauncher(options, index, filesystem, new BundlePreparer(options, index, filesystem),
            images, shims, runtime, logging.CreateLogger<RunLauncher>());
        Monitor = new ExitMonitor(index, Exits, new RestartManager(clock), Launcher, Remover, logging.CreateLogger<ExitMonitor>());
        Start = new StartOperation(index, Launcher, Monitor);
        Stop = new StopOperations(index, signaller, Launcher, Monitor);
        Recovery = new ContainerRecovery(index, shims, runtime, filesystem, Exits, Monitor, Remover, logging.CreateLogger<ContainerRecovery>());
        Service = new ContainerService(index, filesystem, images);
        Backend = new ContainerBackend(index, filesystem, Service, Start, Stop, new WaitOperation(index), new AttachOperations(index), Remover);
    }

    public ExitRecorder Exits { get; }
    public ContainerRemover Remover { get; }
    public RunLauncher Launcher { get; }
    public ExitMonitor Monitor { get; }
    public StartOperation Start { get; }
    public StopOperations Stop { get; }
    public ContainerRecovery Recovery { get; }
    public ContainerService Service { get; }
    public IContainerBackend Backend { get; }
}
