using Berth.Core.Shim;
using Berth.Engine.Containers;
using Berth.Engine.Runtime.Shim;
using Xunit;

namespace Berth.Engine.Tests.Containers.Lifecycle;

/// <summary>
/// What a berthd killed at any point of a start leaves, and how the next one reconciles it
/// with its shims and the runtime; and removal ending whatever a container still has.
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private readonly LifecycleFixture _f = new();

    public void Dispose() => _f.Dispose();

    /// <summary>What a berthd killed after launching (and maybe starting) a shim leaves: the intent recorded, nothing more.</summary>
    private async Task<(ContainerHandle Handle, FakeShim Shim, string Socket)> StartCutShortAsync(bool processStarted)
    {
        var handle = _f.Add();
        var id = handle.Container.Id;
        var socket = _f.Filesystem.NewShimSocketPath(id);
        _f.Index.Update(handle, c => c with { State = c.State with { ShimSocket = socket } });
        var shim = (FakeShim)await _f.Shims.LaunchAsync(
            new ShimStartOptions(id, _f.Filesystem.BundleDir(id), "runc", "/run/x", socket, "/dev/null", _f.Filesystem.ExitFilePath(id), false, false, false),
            CancellationToken.None);
        _f.Runtime.States[id] = "created";
        if (processStarted)
        {
            await shim.StartAsync(CancellationToken.None);
            _f.Runtime.States[id] = "running";
        }
        return (handle, shim, socket);
    }

    [Fact]
    public async Task TheShimSocketIsRecordedBeforeTheShimIsLaunched()
    {
        var handle = _f.Add();
        string? recorded = null;
        _f.Shims.OnLaunch = options => recorded = _f.Store.LoadAll().Single().State.ShimSocket is { } s && s == options.SocketPath ? s : "wrong";
        await _f.Backend.StartAsync(handle.Container.Id, CancellationToken.None);
        Assert.Equal(handle.Container.State.ShimSocket, recorded);
    }

    [Fact]
    public async Task ARunStartedBeforeTheCrashIsAdoptedAsRunning()
    {
        var (handle, shim, socket) = await StartCutShortAsync(processStarted: true);
        var id = handle.Container.Id;
        Assert.Equal(ContainerStatus.Created, handle.Container.State.Status);

        _f.Restart();
        await _f.Lifecycle.Recovery.RecoverAsync(CancellationToken.None);
        var adopted = _f.Index.Resolve(id);
        Assert.Equal(ContainerStatus.Running, adopted.Container.State.Status);
        Assert.Equal(4242, adopted.Container.State.Pid);
        Assert.Equal(socket, adopted.Container.State.ShimSocket);
        Assert.Equal(ContainerStatus.Running, _f.Store.LoadAll().Single().State.Status);
        Assert.Empty(_f.Runtime.Deleted);

        var exited = _f.Backend.Wait(id, null, CancellationToken.None);
        shim.Exit(4);
        Assert.Equal(4, await exited.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AShimNeverStartedIsEndedWithTheRuntimeStateAndTheContainerStaysCreated()
    {
        var (handle, shim, _) = await StartCutShortAsync(processStarted: false);
        var id = handle.Container.Id;
        _f.Filesystem.Mounted[id] = true;

        _f.Restart();
        await _f.Lifecycle.Recovery.RecoverAsync(CancellationToken.None);
        var state = _f.Index.Resolve(id).Container.State;
        Assert.Equal(ContainerStatus.Created, state.Status);
        Assert.Null(state.ShimSocket);
        Assert.True(shim.Ended);
        Assert.Equal([id], _f.Runtime.Deleted);
        Assert.False(_f.Filesystem.IsMounted(id));

        // And it starts again.
        await _f.Backend.StartAsync(id, CancellationToken.None);
        Assert.Equal(ContainerStatus.Running, _f.Index.Resolve(id).Container.State.Status);
    }

    [Fact]
    public async Task ARunWhoseShimDiedTooIsKilledByTheRuntimeAndRecordedExited()
    {
        var (handle, shim, _) = await StartCutShortAsync(processStarted: true);
        var id = handle.Container.Id;
        shim.Gone = true;

        _f.Restart();
        await _f.Lifecycle.Recovery.RecoverAsync(CancellationToken.None);
        var state = _f.Index.Resolve(id).Container.State;
        Assert.Equal(ContainerStatus.Exited, state.Status);
        Assert.Equal(255, state.ExitCode);
        Assert.Null(state.ShimSocket);
        Assert.Equal([id], _f.Runtime.Deleted);
    }

    [Fact]
    public async Task RuntimeStateNoRunningContainerOwnsIsDeleted()
    {
        var exited = _f.Add();
        _f.Index.Update(exited, c => c with { State = c.State with { Status = ContainerStatus.Exited } });
        _f.Runtime.States[exited.Container.Id] = "running";
        var unknown = new string('f', 64);
        _f.Runtime.States[unknown] = "running";

        _f.Restart();
        await _f.Lifecycle.Recovery.RecoverAsync(CancellationToken.None);
        Assert.Equal([exited.Container.Id, unknown], _f.Runtime.Deleted.Order());
    }

    [Fact]
    public async Task AutoRemoveContainersThatAreNotRunningAreRemovedAtStartUp()
    {
        var created = _f.Add(h => h with { AutoRemove = true });
        var exited = _f.Add(h => h with { AutoRemove = true });
        _f.Index.Update(exited, c => c with { State = c.State with { Status = ContainerStatus.Exited } });
        var kept = _f.Add();

        _f.Restart();
        await _f.Lifecycle.Recovery.RecoverAsync(CancellationToken.None);
        Assert.Equal([kept.Container.Id], _f.Store.LoadAll().Select(c => c.Id));
        Assert.Null(_f.Index.TryResolve(created.Container.Id));
    }

    [Fact]
    public async Task RemoveEndsALingeringShimAndTheRuntimeStateWhateverTheRecordSays()
    {
        var (handle, shim, _) = await StartCutShortAsync(processStarted: false);
        var id = handle.Container.Id;
        await _f.Backend.RemoveAsync(id, force: false, CancellationToken.None);
        Assert.True(shim.Ended);
        Assert.Equal([id], _f.Runtime.Deleted);
        Assert.Null(_f.Index.TryResolve(id));
    }

    [Fact]
    public async Task AFailedStartEndsItsShimAtOnceAndClearsTheIntent()
    {
        var handle = _f.Add();
        _f.Shims.Configure = shim => shim.FailStart = new ShimFailureException(ShimFailure.Runtime, "runc start failed");
        await Assert.ThrowsAsync<ShimFailureException>(() => _f.Backend.StartAsync(handle.Container.Id, CancellationToken.None));
        Assert.True(_f.Shims.Last.Ended);
        Assert.Null(handle.Container.State.ShimSocket);
        Assert.Null(_f.Store.LoadAll().Single().State.ShimSocket);
    }
}
