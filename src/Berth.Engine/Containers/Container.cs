using Berth.Core.Digests;
using Berth.Engine.Images;

// The container state machine (State.Status) and who may move it. Every move goes through
// ContainerIndex.Update, under the container's lock except where an exit is recorded (the
// exit recorder takes only the handle's monitor, so a stop holding the lock can wait for it).
//
//   created ──start (RunLauncher)──▶ running ──exit (ExitRecorder)──▶ exited
//      ▲  └─failed start: stays created, State.Error ─┘    ▲              │
//      │                                                   │              ├─policy (ExitMonitor)─▶ restarting
//   exited ──start/restart (RunLauncher)──────────────▶ running           │        │ back-off over: RunLauncher ▶ running
//                                                                          │        └ stop/kill (StopOperations) ▶ exited
//   any but running ──remove (ContainerRemover)──▶ removing ──▶ (gone)    └─AutoRemove (ExitMonitor ▶ ContainerRemover)
//   running ──remove -f: SIGKILL, exit recorded, then ──▶ removing
//   paused: reported by a shim, not yet entered by berthd (no pause verb yet).
//   A start records its intent (State.ShimSocket) while the status is still created/exited;
//   at start-up ContainerRecovery settles it (running if the process started, else back to
//   what it was), moves running ▶ exited (shim gone or exited) and finishes removing.

namespace Berth.Engine.Containers;

/// <summary>The container's process settings (docker's Config), after merging with the image's.</summary>
public sealed record ContainerConfig
{
    public string Hostname { get; init; } = "";
    public string Domainname { get; init; } = "";
    public string User { get; init; } = "";
    public bool AttachStdin { get; init; }
    public bool AttachStdout { get; init; }
    public bool AttachStderr { get; init; }
    public bool Tty { get; init; }
    public bool OpenStdin { get; init; }
    public bool StdinOnce { get; init; }
    public IReadOnlyList<string>? Env { get; init; }
    public IReadOnlyList<string>? Cmd { get; init; }
    public IReadOnlyList<string>? Entrypoint { get; init; }
    /// <summary>The image as the user named it.</summary>
    public string Image { get; init; } = "";
    public string WorkingDir { get; init; } = "";
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public string? StopSignal { get; init; }
    public int? StopTimeout { get; init; }
    public IReadOnlyDictionary<string, EmptyObject>? ExposedPorts { get; init; }
    public IReadOnlyDictionary<string, EmptyObject>? Volumes { get; init; }
    public IReadOnlyList<string>? OnBuild { get; init; }
}


public sealed record RestartPolicy(string Name = "no", int MaximumRetryCount = 0);

public sealed record LogConfig(string Type = "json-file", IReadOnlyDictionary<string, string>? Config = null);

/// <summary>Host-side settings (docker's HostConfig) that Berth interprets; the resources are in ContainerResources.cs.</summary>
public sealed partial record ContainerHostConfig
{
    public IReadOnlyList<string>? Binds { get; init; }
    public IReadOnlyList<MountRequest>? Mounts { get; init; }
    public string NetworkMode { get; init; } = "default";
    public RestartPolicy RestartPolicy { get; init; } = new();
    public bool AutoRemove { get; init; }
    public LogConfig LogConfig { get; init; } = new();
    public IReadOnlyList<string>? CapAdd { get; init; }
    public IReadOnlyList<string>? CapDrop { get; init; }
    public IReadOnlyList<string>? GroupAdd { get; init; }
    public IReadOnlyList<string>? SecurityOpt { get; init; }
    public IReadOnlyList<string>? Dns { get; init; }
    public IReadOnlyList<string>? DnsOptions { get; init; }
    public IReadOnlyList<string>? DnsSearch { get; init; }
    public IReadOnlyList<string>? ExtraHosts { get; init; }
    public bool Privileged { get; init; }
    public bool ReadonlyRootfs { get; init; }
    public bool Init { get; init; }
    /// <summary>Initial [height, width] of the container's terminal.</summary>
    public IReadOnlyList<long>? ConsoleSize { get; init; }
    /// <summary>/dev/shm's size; 0 (unset) is dockerd's default, which inspect then shows.</summary>
    public long ShmSize { get; init => field = value > 0 ? value : ContainerDefaults.ShmSize; } = ContainerDefaults.ShmSize;
    public int OomScoreAdj { get; init; }
    public IReadOnlyDictionary<string, string>? Sysctls { get; init; }
    /// <summary>Paths masked in the container; null means docker's defaults, empty means none (--security-opt systempaths=unconfined).</summary>
    public IReadOnlyList<string>? MaskedPaths { get; init; }
    /// <summary>Paths made read-only in the container; null means docker's defaults, empty means none.</summary>
    public IReadOnlyList<string>? ReadonlyPaths { get; init; }
}

/// <summary>Lifecycle state (docker's State): created → running ⇄ paused → exited; removing while being removed.</summary>
public sealed record ContainerState
{
    public string Status { get; init; } = ContainerStatus.Created;
    public int Pid { get; init; }
    public int ExitCode { get; init; }
    public string Error { get; init; } = "";
    public bool OomKilled { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>Socket of the shim of the current run; how a restarted daemon finds it again.</summary>
    public string? ShimSocket { get; init; }

    public bool Running => Status is ContainerStatus.Running or ContainerStatus.Paused;
}

public static class ContainerStatus
{
    public const string Created = "created";
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Restarting = "restarting";
    public const string Removing = "removing";
    public const string Exited = "exited";
    public const string Dead = "dead";
}

/// <summary>A container as stored in the metadata DB.</summary>
public sealed record Container
{
    public required string Id { get; init; }
    /// <summary>Name without the leading slash.</summary>
    public required string Name { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required string Path { get; init; }
    public required IReadOnlyList<string> Args { get; init; }
    public required ContainerConfig Config { get; init; }
    public required ContainerHostConfig HostConfig { get; init; }
    public required Digest ImageId { get; init; }
    /// <summary>
    /// The image's top layer chain, recorded at create: the container keeps its layers, and can
    /// start again, after its image is force-removed, as under docker. Null for an image without
    /// layers and in records from before it was kept (their image is looked up).
    /// </summary>
    public Digest? ImageChainId { get; init; }
    public ContainerState State { get; init; } = new();
    /// <summary>Set by stop and kill, cleared by start: restart policies leave such a container alone.</summary>
    public bool ManuallyStopped { get; init; }
    public int RestartCount { get; init; }

    public string ShortId => Id[..12];
}
