using Berth.Core.Errors;
using Berth.Core.Shim;
using Berth.Engine.Containers;
using Berth.Engine.Containers.Lifecycle;
using Berth.Engine.Runtime.Shim;
using Xunit;

namespace Berth.Engine.Tests.Containers.Lifecycle;

/// <summary>The container lifecycle parts over fake shims and a fake filesystem: no root, no runc.</summary>
public sealed class LifecycleTests : IDisposable
{
    private readonly LifecycleFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task StartRecordsRunningWithTheShimSocketAndTheExitReleasesTheRootfs()
    {
        var handle = _f.Add();
        await _f.Backend.StartAsync(handle.Container.Id, CancellationToken.None);
        Assert.Equal(ContainerStatus.Running, handle.Container.State.Status);
        Assert.Equal(4242, handle.Container.State.Pid);
        Assert.NotNull(handle.Container.State.ShimSocket);
        Assert.True(_f.Filesystem.IsMounted(handle.Container.Id));

        var exited = _f.Backend.Wait(handle.Container.Id, "next-exit", CancellationToken.None);
        _f.Shims.Last.Exit(3);
        Assert.Equal(3, await exited.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.Equal(ContainerStatus.Exited, handle.Container.State.Status);
        Assert.Null(handle.Container.State.ShimSocket);
        Assert.False(_f.Filesystem.IsMounted(handle.Container.Id));
        Assert.Equal(ContainerStatus.Exited, _f.Store.LoadAll().Single().State.Status);
    }

    [Fact]
    public async Task AnExitArrivingWhileStopWaitsEndsTheStopWithoutSIGKILL()
    {
        var handle = _f.Add();
        _f.Shims.Configure = shim => shim.Fatal.Clear();
        await _f.Backend.StartAsync(handle.Container.Id, CancellationToken.None);
        var shim = _f.Shims.Last;
        var stop = _f.Backend.StopAsync(handle.Container.Id, 30, null, CancellationToken.None);
        await LifecycleFixture.Eventually(() => shim.Signals.Contains(Signals.SIGTERM), "stop sends SIGTERM");
        Assert.False(stop.IsCompleted);
        shim.Exit(0);
        await stop.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal([Signals.SIGTERM], shim.Signals);
        Assert.Equal(ContainerStatus.Exited, handle.Container.State.Status);
        Assert.Equal(0, handle.Container.State.ExitCode);
        Assert.True(handle.Container.ManuallyStopped);
    }

    [Fact]
    public async Task TwoReportsOfOneRunsExitAreRecordedOnce()
    {
        var handle = _f.Add();
        await _f.Backend.StartAsync(handle.Container.Id, CancellationToken.None);
        var shim = _f.Shims.Last;
        var exits = new List<int>();
        var first = handle.NextExit.ContinueWith(t => { lock (exits) exits.Add(t.Result.ExitCode); }, TestContext.Current.CancellationToken);

        Assert.True(_f.Lifecycle.Exits.Record(handle, shim, new ExitStatus(7, DateTimeOffset.UtcNow)));
        // The monitor's own report of the same run (the shim's wait answering) comes second.
        shim.Exit(9);
        await first.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(_f.Lifecycle.Exits.Record(handle, shim, new ExitStatus(11, DateTimeOffset.UtcNow)));
        Assert.Equal([7], exits);
        Assert.Equal(7, handle.Container.State.ExitCode);
        Assert.False(handle.NextExit.IsCompleted);
    }

    [Fact]
    public async Task AStopFindingTheShimGoneRecordsTheExitFromTheExitFile()
    {
        var handle = _f.Add();
        await _f.Backend.StartAsync(handle.Container.Id, CancellationToken.None);
        var shim = _f.Shims.Last;
        File.WriteAllText(_f.Filesystem.ExitFilePath(handle.Container.Id), """{"exitCode":42,"finishedAt":"2026-01-01T00:00:00Z","oomKilled":false}""");
        shim.Gone = true;
        await _f.Backend.StopAsync(handle.Container.Id, 1, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(ContainerStatus.Exited, handle.Container.State.Status);
        Assert.Equal(42, handle.Container.State.ExitCode);
    }

    [Fact]
    public async Task AnAutoRemoveContainerIsRemovedAfterItsExit()
    {
        var handle = _f.Add(h => h with { AutoRemove = true });
        var id = handle.Container.Id;
        var removed = _f.Backend.Wait(id, "removed", CancellationToken.None);
        await _f.Backend.StartAsync(id, CancellationToken.None);
        _f.Shims.Last.Exit(0);
        await removed.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Null(_f.Index.TryResolve(id));
        Assert.Empty(_f.Store.LoadAll());
        Assert.Contains(id, _f.Filesystem.Deleted);
        Assert.False(Directory.Exists(_f.Filesystem.Dir(id)));
    }

    [Fact]
    public async Task AnAutoRemoveContainerWhoseStartFailedIsRemoved()
    {
        var handle = _f.Add(h => h with { AutoRemove = true });
        _f.Shims.Configure = shim => shim.FailStart = new ShimFailureException(ShimFailure.CommandNotFound, "exec: \"nope\": executable file not found in $PATH");
        await Assert.ThrowsAsync<ShimFailureException>(() => _f.Backend.StartAsync(handle.Container.Id, CancellationToken.None));
        Assert.True(handle.Removed.Task.IsCompleted);
        Assert.Empty(_f.Store.LoadAll());
    }

    [Fact]
    public async Task AFailedStartRecordsTheErrorAndItsExitCodeAndReleasesTheRootfs()
    {
        var handle = _f.Add();
        _f.Shims.Configure = shim => shim.FailStart = new ShimFailureException(ShimFailure.CommandNotFound, "exec: \"nope\": executable file not found in $PATH");
        await Assert.ThrowsAsync<ShimFailureException>(() => _f.Backend.StartAsync(handle.Container.Id, CancellationToken.None));
        Assert.Equal(ContainerStatus.Created, handle.Container.State.Status);
        Assert.Equal(127, handle.Container.State.ExitCode);
        Assert.Contains("executable file not found", handle.Container.State.Error);
        Assert.False(_f.Filesystem.IsMounted(handle.Container.Id));
    }

    [Theory]
    [InlineData("launch")]
    [InlineData("prepare")]
    public async Task AnyExceptionDuringStartReleasesTheRootfs(string where)
    {
        var handle = _f.Add();
        var bug = new InvalidOperationException("a bug");
        if (where == "launch") _f.Shims.FailLaunch = bug; else _f.Filesystem.FailPrepare = bug;
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => _f.Backend.StartAsync(handle.Container.Id, CancellationToken.None));
        Assert.Same(bug, thrown);
        Assert.True(_f.Filesystem.Mounted.ContainsKey(handle.Container.Id));
        Assert.False(_f.Filesystem.IsMounted(handle.Container.Id));
        Assert.False(handle.Container.State.Running);
    }

    [Fact]
    public async Task ACancelledStartReleasesTheRootfs()
    {
        var handle = _f.Add();
        using var cancelled = new CancellationTokenSource();
        _f.Shims.Configure = _ => cancelled.Cancel();
        _f.Shims.Configure += shim => shim.FailStart = new OperationCanceledException(cancelled.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _f.Backend.StartAsync(handle.Container.Id, cancelled.Token));
        Assert.False(_f.Filesystem.IsMounted(handle.Container.Id));
    }

    [Fact]
    public async Task ARestartPolicyRestartsAfterTheBackOffAndStopDuringItCancels()
    {
        var handle = _f.Add(h => h with { RestartPolicy = new RestartPolicy("always") });
        var id = handle.Container.Id;
        await _f.Backend.StartAsync(id, CancellationToken.None);
        _f.Shims.Last.Exit(1);
        await LifecycleFixture.Eventually(() => handle.Container.State.Status == ContainerStatus.Restarting, "restarting during the back-off");
        await LifecycleFixture.Eventually(() => _f.Clock.PendingTimers == 1, "the back-off waits on the clock");
        Assert.Single(_f.Shims.Launched);
        _f.Clock.Advance(RestartManager.InitialBackoff);
        await LifecycleFixture.Eventually(() => handle.Container.State.Status == ContainerStatus.Running, "restarted");
        Assert.Equal(2, _f.Shims.Launched.Count);
        Assert.Equal(1, handle.Container.RestartCount);

        _f.Shims.Last.Exit(1);
        await LifecycleFixture.Eventually(() => handle.Container.State.Status == ContainerStatus.Restarting, "restarting again");
        await _f.Backend.StopAsync(id, null, null, CancellationToken.None);
        Assert.Equal(ContainerStatus.Exited, handle.Container.State.Status);
        _f.Clock.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(ContainerStatus.Exited, handle.Container.State.Status);
        Assert.Equal(2, _f.Shims.Launched.Count);
    }

    [Fact]
    public async Task ForcedRemoveKillsWaitsForTheExitAndDeletes()
    {
        var handle = _f.Add();
        var id = handle.Container.Id;
        await _f.Backend.StartAsync(id, CancellationToken.None);
        await Assert.ThrowsAsync<ConflictException>(() => _f.Backend.RemoveAsync(id, force: false, CancellationToken.None));
        await _f.Backend.RemoveAsync(id, force: true, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal([Signals.SIGKILL], _f.Shims.Last.Signals);
        Assert.Null(_f.Index.TryResolve(id));
        Assert.False(_f.Filesystem.IsMounted(id));
    }

    [Fact]
    public async Task RecoveryReAdoptsALiveShimAndWatchesItAgain()
    {
        var handle = _f.Add();
        var id = handle.Container.Id;
        await _f.Backend.StartAsync(id, CancellationToken.None);
        var shim = _f.Shims.Last;

        _f.Restart();
        await _f.Lifecycle.Recovery.RecoverAsync(CancellationToken.None);
        var adopted = _f.Index.Resolve(id);
        Assert.Same(shim, adopted.Shim);
        Assert.Equal(ContainerStatus.Running, adopted.Container.State.Status);

        var exited = _f.Backend.Wait(id, null, CancellationToken.None);
        shim.Exit(5);
        Assert.Equal(5, await exited.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.Empty(_f.Runtime.Deleted);
    }

    [Fact]
    public async Task RecoveryOfAGoneShimDeletesTheRuntimeStateAndRecordsTheExitFile()
    {
        var handle = _f.Add();
        var id = handle.Container.Id;
        await _f.Backend.StartAsync(id, CancellationToken.None);
        _f.Shims.Last.Gone = true;
        _f.Runtime.States[id] = "running";
        File.WriteAllText(_f.Filesystem.ExitFilePath(id), """{"exitCode":137,"finishedAt":"2026-01-01T00:00:00Z","oomKilled":true}""");

        _f.Restart();
        await _f.Lifecycle.Recovery.RecoverAsync(CancellationToken.None);
        var state = _f.Index.Resolve(id).Container.State;
        Assert.Equal(ContainerStatus.Exited, state.Status);
        Assert.Equal(137, state.ExitCode);
        Assert.True(state.OomKilled);
        Assert.Equal([id], _f.Runtime.Deleted);
        Assert.False(_f.Filesystem.IsMounted(id));
    }

    [Fact]
    public async Task RecoveryFinishesARemovalAndRemovesAutoRemoveContainersThatExited()
    {
        var removing = _f.Add();
        _f.Index.Update(removing, c => c with { State = c.State with { Status = ContainerStatus.Removing } });
        var autoRemove = _f.Add(h => h with { AutoRemove = true });
        await _f.Backend.StartAsync(autoRemove.Container.Id, CancellationToken.None);
        _f.Shims.Last.Gone = true;

        _f.Restart();
        await _f.Lifecycle.Recovery.RecoverAsync(CancellationToken.None);
        Assert.Empty(_f.Store.LoadAll());
        Assert.Null(_f.Index.TryResolve(removing.Container.Id));
        Assert.False(Directory.Exists(_f.Filesystem.Dir(removing.Container.Id)));
        Assert.Null(_f.Index.TryResolve(autoRemove.Container.Id));
    }
}
