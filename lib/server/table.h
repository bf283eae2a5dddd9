/* table.h - the command table (table.c), above every command family. */
#ifndef SYNAP_TABLE_H
#define SYNAP_TABLE_H

/* Hands the table to the dispatcher (command_use_table). */
void table_install(void);

#endif
