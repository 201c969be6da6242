// KeelMaster: the master actor (issue 5). Work in progress.
